//! Consumers: create, update, info, list, delete, pause, resume.

use std::ffi::c_char;

use super::natskit_js;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::guard;

/// Creates a consumer on `stream` from its config (`{"durable_name", "filter_subject",
/// "deliver_policy", "ack_policy", "ack_wait" (ms), "max_deliver", "backoff" (ms), …}`); returns its info.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_create(
    js: *const natskit_js,
    stream: *const c_char,
    config_json: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let config = ffi::json_value(config_json, "config_json")?;
        ffi::answer_json!(info_json_out, j.js.create_consumer(stream, &config))
    })
}

/// Updates a consumer of `stream` (the config names it); returns its info.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_update(
    js: *const natskit_js,
    stream: *const c_char,
    config_json: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let config = ffi::json_value(config_json, "config_json")?;
        ffi::answer_json!(info_json_out, j.js.update_consumer(stream, &config))
    })
}

/// A consumer's info with its counters (`num_pending`, `num_ack_pending`, `num_redelivered`,
/// `num_waiting`, `delivered`, `ack_floor`, `config`, …).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_info(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        ffi::answer_json!(info_json_out, j.js.consumer_info(stream, consumer))
    })
}

/// One page of consumer infos of `stream` from `offset`: `{"total", "offset", "limit", "items"}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_list(
    js: *const natskit_js,
    stream: *const c_char,
    offset: u64,
    page_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        ffi::answer_json!(page_json_out, j.js.list_consumers(stream, offset))
    })
}

/// Deletes a consumer.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_delete(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        ffi::block_on(j.js.delete_consumer(stream, consumer))
    })
}

/// Pauses delivery until `until_rfc3339` (`"2030-01-01T00:00:00Z"`); `*state_json_out` is
/// `{"paused", "pause_until", "pause_remaining"}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_pause(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
    until_rfc3339: *const c_char,
    state_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        let until = ffi::text(until_rfc3339, "until_rfc3339")?;
        let until = natskit::timestamp::parse_rfc3339(until, "until_rfc3339")?;
        ffi::answer_json!(state_json_out, j.js.pause_consumer(stream, consumer, until))
    })
}

/// Resumes a paused consumer now; `*state_json_out` as for `natskit_js_consumer_pause`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consumer_resume(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
    state_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        ffi::answer_json!(state_json_out, j.js.resume_consumer(stream, consumer))
    })
}
