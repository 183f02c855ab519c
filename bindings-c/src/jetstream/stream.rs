//! Streams and their stored messages.

use std::ffi::{c_char, c_void};

use natskit::jetstream::PurgeOptions;

use super::natskit_js;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::guard;

/// Creates a stream from its config (`{"name", "subjects", "retention", "storage",
/// "max_msgs", "max_age" (ms), …}`) and returns its info.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_create(
    js: *const natskit_js,
    config_json: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let config = ffi::json_value(config_json, "config_json")?;
        ffi::answer_json!(info_json_out, j.js.create_stream(&config))
    })
}

/// Updates a stream (the config names it) and returns its info.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_update(
    js: *const natskit_js,
    config_json: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let config = ffi::json_value(config_json, "config_json")?;
        ffi::answer_json!(info_json_out, j.js.update_stream(&config))
    })
}

/// A stream's info (`config`, `state` with `messages`, `bytes`, `first_seq`, `last_seq`,
/// `consumer_count`, …); `NATSKIT_STATUS_NOT_FOUND` when it does not exist.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_info(
    js: *const natskit_js,
    name: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let name = ffi::text(name, "name")?;
        ffi::answer_json!(info_json_out, j.js.stream_info(name))
    })
}

/// One page of stream infos from `offset` (optionally only streams with a subject matching
/// `subject`): `{"total", "offset", "limit", "items": [info, …]}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_list(
    js: *const natskit_js,
    offset: u64,
    subject: *const c_char,
    page_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let subject = ffi::optional_text(subject, "subject")?;
        ffi::answer_json!(page_json_out, j.js.list_streams(offset, subject))
    })
}

/// Every stream name (optionally only those with a subject matching `subject`) as a JSON array.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_names(
    js: *const natskit_js,
    subject: *const c_char,
    names_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let subject = ffi::optional_text(subject, "subject")?;
        ffi::answer_json!(names_json_out, j.js.stream_names(subject))
    })
}

/// Purges a stream: everything (`options_json` NULL) or `{"subject", "keep", "sequence"}`;
/// `*purged_out` is how many messages went.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_purge(
    js: *const natskit_js,
    name: *const c_char,
    options_json: *const c_char,
    purged_out: *mut u64,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let name = ffi::text(name, "name")?;
        let options: PurgeOptions =
            ffi::json_arg(options_json, "options_json")?.unwrap_or_default();
        ffi::answer!(purged_out, j.js.purge_stream(name, &options))
    })
}

/// Deletes a stream and its messages.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_delete(
    js: *const natskit_js,
    name: *const c_char,
) -> natskit_status {
    ffi::call!(js, |j| j.js.delete_stream(ffi::text(name, "name")?))
}

/// The message at `sequence` of `stream` (see `natskit_js_stream_last_message` for the outputs);
/// `NATSKIT_STATUS_NOT_FOUND` when there is none.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_get_message(
    js: *const natskit_js,
    stream: *const c_char,
    sequence: u64,
    json_out: *mut *mut c_char,
    data_out: *mut *mut c_void,
    len_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let out = ffi::JsonWithBytes::new(json_out, "json_out", data_out, len_out)?;
        let message = ffi::block_on(j.js.get_message(stream, sequence))?;
        out.write(&message, &message.payload)
    })
}

/// The newest message on `subject` in `stream`: `*json_out` is `{"subject", "sequence",
/// "headers", "time"}` (free with `natskit_string_free`), `*data_out`/`*len_out` the payload
/// (free with `natskit_bytes_free`; NULL when empty).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_last_message(
    js: *const natskit_js,
    stream: *const c_char,
    subject: *const c_char,
    json_out: *mut *mut c_char,
    data_out: *mut *mut c_void,
    len_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let subject = ffi::text(subject, "subject")?;
        let out = ffi::JsonWithBytes::new(json_out, "json_out", data_out, len_out)?;
        let message = ffi::block_on(j.js.get_last_message(stream, subject))?;
        out.write(&message, &message.payload)
    })
}

/// Deletes the message at `sequence` of `stream`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_stream_delete_message(
    js: *const natskit_js,
    stream: *const c_char,
    sequence: u64,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        ffi::block_on(j.js.delete_message(stream, sequence))
    })
}
