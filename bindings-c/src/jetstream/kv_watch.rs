//! `natskit_kv_watch`: a bucket's entries pulled on the caller's thread, current values first.

use std::ffi::{c_char, c_void};
use std::sync::{Mutex, MutexGuard};

use natskit::jetstream::{KvWatch, KvWatchControl, KvWatchOptions};
use natskit::{Error, ErrorCode, Result};

use super::kv::natskit_kv;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A watch of a bucket's keys (opaque; made by `natskit_kv_watch`). One thread at a time may take entries; any thread
/// may stop it.
pub struct natskit_kv_watcher {
    watch: Mutex<KvWatch>,
    control: KvWatchControl,
}

impl natskit_kv_watcher {
    fn take(&self) -> Result<MutexGuard<'_, KvWatch>> {
        self.watch.try_lock().map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "the watch is in use by another thread; take entries from one thread at a time",
            )
        })
    }
}

/// Watches keys matching `pattern` (one key, a wildcard such as `"user.*"`, or `">"` for all):
/// the current value of each key first, then every change. `options_json` (NULL for none) is
/// `{"include_history": bool, "ignore_deletes": bool, "updates_only": bool}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_watch(
    kv: *const natskit_kv,
    pattern: *const c_char,
    options_json: *const c_char,
    watch_out: *mut *mut natskit_kv_watcher,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        let pattern = ffi::text(pattern, "pattern")?;
        let options = KvWatchOptions::from_host(ffi::json_value(options_json, "options_json")?)?;
        let out = ffi::out(watch_out, "watch_out")?;
        let watch = ffi::block_on(k.kv.watch(pattern, options))?;
        let control = watch.control();
        *out = ffi::into_handle(natskit_kv_watcher {
            watch: Mutex::new(watch),
            control,
        });
        Ok(())
    })
}

/// Waits up to `timeout_ms` (`NATSKIT_FOREVER`, or `NATSKIT_NO_WAIT` and
/// `NATSKIT_TIMEOUT_DEFAULT` = only what has arrived) for the next entry, written as for
/// `natskit_kv_get` (`"operation"` is `"PUT"`, `"DEL"` or `"PURGE"`). `NATSKIT_STATUS_TIMEOUT`
/// when none came, `NATSKIT_STATUS_CLOSED` once stopped.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_watch_next(
    watch: *const natskit_kv_watcher,
    timeout_ms: i64,
    entry_json_out: *mut *mut c_char,
    data_out: *mut *mut c_void,
    len_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let w = ffi::handle(watch, "watch")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.receive();
        let out = ffi::JsonWithBytes::new(entry_json_out, "entry_json_out", data_out, len_out)?;
        let entry = ffi::block_on(w.take()?.next(timeout))?.ok_or_else(|| {
            Error::new(
                ErrorCode::Timeout,
                format!("no kv entry within {timeout_ms} ms"),
            )
        })?;
        out.write(&entry, &entry.value)
    })
}

/// `*done_out` is whether every value that existed when the watch started has been taken
/// (true from the start with `updates_only` or when no key matched).
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_watch_initial_done(
    watch: *const natskit_kv_watcher,
    done_out: *mut bool,
) -> natskit_status {
    ffi::getter!(watch, done_out, |w| Ok(w.control.initial_done()))
}

/// Stops the watch from any thread; a waiting `natskit_kv_watch_next` returns
/// `NATSKIT_STATUS_CLOSED`, and so does every later one.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_watch_stop(watch: *const natskit_kv_watcher) -> natskit_status {
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
pub unsafe extern "C" fn natskit_kv_watch_free(watch: *mut natskit_kv_watcher) {
    guard_value((), || ffi::free_handle(watch))
}
