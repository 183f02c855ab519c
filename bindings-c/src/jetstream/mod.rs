//! `natskit_js`: the JetStream API of a connection. Configs go in and infos come out as
//! JSON text in the server's own field names, durations in the client's unit (milliseconds by
//! default; core converts: see `natskit::units`); every `char *` result is freed with `natskit_string_free`.

mod consume;
mod consumer;
mod kv;
mod kv_watch;
mod object_store;
mod object_watch;
mod publish;
mod pull;
mod stream;

use std::ffi::c_char;

use natskit::jetstream::Context;

use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

pub use kv::natskit_kv;
pub use kv_watch::natskit_kv_watcher;
pub use object_store::natskit_obj;
pub use object_watch::natskit_obj_watcher;
pub use publish::natskit_js_publisher;
pub use pull::natskit_js_msg;

/// The JetStream API of one connection (opaque; domain and API timeout from the connection's
/// `jetstream` settings). Safe to use from several threads at once.
pub struct natskit_js {
    pub(crate) js: Context,
}

/// Opens the JetStream API of the client's connection (no server round trip); durations in
/// its JSON configs and infos are in the client's unit (milliseconds unless
/// `natskit_client_set_duration_unit` changed it: `"max_age": 3600000`).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_new(
    client: *const natskit_client,
    js_out: *mut *mut natskit_js,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let out = ffi::out(js_out, "js_out")?;
        let js = natskit::runtime::enter(|| c.client.jetstream()).with_unit(c.unit());
        *out = ffi::into_handle(natskit_js { js });
        Ok(())
    })
}

/// Whether the server answers the JetStream API (false without JetStream).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_is_available(
    js: *const natskit_js,
    available_out: *mut bool,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        ffi::answer!(available_out, async { Ok(j.js.is_available().await) })
    })
}

/// The account's JetStream usage and limits as JSON (`memory`, `storage`, `streams`,
/// `consumers`, `limits`, …); `NATSKIT_STATUS_JETSTREAM_NOT_ENABLED` without JetStream.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_account_info(
    js: *const natskit_js,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        ffi::answer_json!(json_out, j.js.account_info())
    })
}

/// Frees the handle (messages, publishers and buckets made from it stay valid). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_free(js: *mut natskit_js) {
    guard_value((), || ffi::free_handle(js))
}
