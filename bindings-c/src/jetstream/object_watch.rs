//! `natskit_obj_watch`: a bucket's object infos pulled on the caller's thread, the objects
//! already there first.

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};

use natskit::jetstream::{ObjectWatch, ObjectWatchControl, ObjectWatchOptions};
use natskit::{Error, ErrorCode, Result};

use super::object_store::natskit_obj;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A watch of a bucket's objects (opaque; made by `natskit_obj_watch`). One thread at a time
/// may take infos; any thread may stop it.
pub struct natskit_obj_watcher {
    watch: Mutex<ObjectWatch>,
    control: ObjectWatchControl,
}

impl natskit_obj_watcher {
    fn take(&self) -> Result<MutexGuard<'_, ObjectWatch>> {
        self.watch.try_lock().map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "the watch is in use by another thread; take infos from one thread at a time",
            )
        })
    }
}

/// Watches the bucket: the info of each object first, then every put and delete (an info with
/// `"deleted": true`). `options_json` (NULL for none) is `{"ignore_deletes": bool,
/// "updates_only": bool}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_watch(
    obj: *const natskit_obj,
    options_json: *const c_char,
    watch_out: *mut *mut natskit_obj_watcher,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let options =
            ObjectWatchOptions::from_host(ffi::json_value(options_json, "options_json")?)?;
        let out = ffi::out(watch_out, "watch_out")?;
        let watch = ffi::block_on(o.store.watch(options))?;
        let control = watch.control();
        *out = ffi::into_handle(natskit_obj_watcher {
            watch: Mutex::new(watch),
            control,
        });
        Ok(())
    })
}

/// Waits up to `timeout_ms` (`NATSKIT_FOREVER`, or `NATSKIT_NO_WAIT` and
/// `NATSKIT_TIMEOUT_DEFAULT` = only what has arrived) for the next object info (JSON, free with
/// `natskit_string_free`). `NATSKIT_STATUS_TIMEOUT` when none came, `NATSKIT_STATUS_CLOSED`
/// once stopped.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_watch_next(
    watch: *const natskit_obj_watcher,
    timeout_ms: i64,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let w = ffi::handle(watch, "watch")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.receive();
        let out = ffi::out(info_json_out, "info_json_out")?;
        let info = ffi::block_on(w.take()?.next(timeout))?.ok_or_else(|| {
            Error::new(
                ErrorCode::Timeout,
                format!("no object change within {timeout_ms} ms"),
            )
        })?;
        *out = ffi::owned_json(&info)?;
        Ok(())
    })
}

/// Stops the watch from any thread; a waiting `natskit_obj_watch_next` returns
/// `NATSKIT_STATUS_CLOSED`, and so does every later one.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_watch_stop(
    watch: *const natskit_obj_watcher,
) -> natskit_status {
    guard(|| {
        let w = ffi::handle(watch, "watch")?;
        w.control.stop();
        // Unsubscribes now unless a next is still waking up (it then does it itself).
        if let Ok(mut idle) = w.watch.try_lock() {
            idle.stop();
        }
        Ok(())
    })
}

/// Stops and frees the watch. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_watch_free(watch: *mut natskit_obj_watcher) {
    guard_value((), || ffi::free_handle(watch))
}
