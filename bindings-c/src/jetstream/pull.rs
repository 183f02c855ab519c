//! Pull consumption: fetch one or a batch, then acknowledge each `natskit_js_msg`.

use std::ffi::{c_char, CString};

use natskit::jetstream::JsMessage;
use natskit::{Error, ErrorCode, Result};

use super::natskit_js;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A message pulled from a consumer (opaque). Lent pointers stay valid until it is freed.
pub struct natskit_js_msg {
    message: JsMessage,
    subject: CString,
    headers_json: CString,
    metadata_json: CString,
}

impl natskit_js_msg {
    pub(super) fn new_handle(message: JsMessage) -> Result<*mut natskit_js_msg> {
        let handle = natskit_js_msg {
            subject: ffi::lent_string(message.subject(), "subject")?,
            headers_json: ffi::lent_string(&message.headers().to_json().to_string(), "headers")?,
            metadata_json: ffi::lent_string(
                &serde_json::to_string(message.metadata())?,
                "metadata",
            )?,
            message,
        };
        Ok(ffi::into_handle(handle))
    }
}

/// Fetches up to `max` messages into `messages_out[0..*count_out]` (an array of at least `max`
/// slots): those available now, or else the first to arrive within `timeout_ms`
/// (`NATSKIT_TIMEOUT_DEFAULT` = the API timeout) with whatever is available right after it.
/// Every pull expires on the server; with `NATSKIT_NO_WAIT` it never waits. `*count_out` may be 0.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_fetch(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
    max: usize,
    timeout_ms: i64,
    messages_out: *mut *mut natskit_js_msg,
    count_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        let options = Timeout::from_c(timeout_ms, "timeout_ms")?.fetch("fetch")?;
        ffi::fill(messages_out, max, "messages_out", count_out, || {
            let messages = ffi::block_on(j.js.fetch(stream, consumer, max, &options))?;
            messages
                .into_iter()
                .map(natskit_js_msg::new_handle)
                .collect()
        })
    })
}

/// Fetches one message (`timeout_ms` as for `natskit_js_fetch`);
/// `NATSKIT_STATUS_TIMEOUT` when none arrived.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_fetch_next(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
    timeout_ms: i64,
    message_out: *mut *mut natskit_js_msg,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        let options = Timeout::from_c(timeout_ms, "timeout_ms")?.fetch("fetch")?;
        let out = ffi::out(message_out, "message_out")?;
        match ffi::block_on(j.js.fetch_next(stream, consumer, &options))? {
            Some(message) => {
                *out = natskit_js_msg::new_handle(message)?;
                Ok(())
            }
            None => Err(Error::new(
                ErrorCode::Timeout,
                format!("no message from {stream}/{consumer}"),
            )),
        }
    })
}

/// The subject the message was published to.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_subject(
    message: *const natskit_js_msg,
    subject_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, subject_out, |m| Ok(m.subject.as_ptr()))
}

/// The payload (`*data_out` may be NULL when the length is 0).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_data(
    message: *const natskit_js_msg,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> natskit_status {
    ffi::lend_bytes!(message, data_out, len_out, |m| m.message.data())
}

/// Every header as JSON, `{"Name": ["v1", "v2"]}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_headers_json(
    message: *const natskit_js_msg,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, json_out, |m| Ok(m.headers_json.as_ptr()))
}

/// Where the message comes from as JSON: `{"stream", "consumer", "stream_seq", "consumer_seq",
/// "delivered", "pending", "timestamp", "domain"}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_metadata_json(
    message: *const natskit_js_msg,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, json_out, |m| Ok(m.metadata_json.as_ptr()))
}

/// Acknowledges the message.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_ack(message: *const natskit_js_msg) -> natskit_status {
    ffi::call!(message, |m| m.message.ack())
}

/// Acknowledges `count` messages (at most `NATSKIT_BATCH_MAX`) in order, in one call: none
/// may be NULL (checked before any is acknowledged). Stops at the first that fails, the
/// error naming its index; those before it are acknowledged.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_ack_many(
    messages: *const *const natskit_js_msg,
    count: usize,
) -> natskit_status {
    guard(|| {
        if count > crate::NATSKIT_BATCH_MAX {
            return Err(ffi::invalid(format!(
                "count {count} is above NATSKIT_BATCH_MAX ({})",
                crate::NATSKIT_BATCH_MAX
            )));
        }
        let handles = ffi::slice(messages, count, "messages")?;
        let messages = handles
            .iter()
            .enumerate()
            .map(|(i, &m)| {
                ffi::handle(m, "message").map_err(|e| e.context(format_args!("message {i}")))
            })
            .collect::<Result<Vec<_>>>()?;
        ffi::block_on(async {
            for (i, m) in messages.iter().enumerate() {
                m.message
                    .ack()
                    .await
                    .map_err(|e| e.context(format_args!("message {i}")))?;
            }
            Ok(())
        })
    })
}

/// Acknowledges and waits for the server to confirm it.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_double_ack(
    message: *const natskit_js_msg,
) -> natskit_status {
    ffi::call!(message, |m| m.message.double_ack())
}

/// Negatively acknowledges: redelivered after `delay_ms` (-1 = at once or per the consumer's backoff).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_nak(
    message: *const natskit_js_msg,
    delay_ms: i64,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let delay = match delay_ms {
            -1 => None,
            ms => Some(ffi::millis(ms, "delay_ms")?),
        };
        ffi::block_on(m.message.nak(delay))
    })
}

/// Terminates the message: never redelivered; `reason` (NULL = none) is reported in advisories.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_term(
    message: *const natskit_js_msg,
    reason: *const c_char,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let reason = ffi::optional_text(reason, "reason")?;
        ffi::block_on(m.message.term(reason))
    })
}

/// Tells the server the message is still being worked on (resets its ack wait).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_in_progress(
    message: *const natskit_js_msg,
) -> natskit_status {
    ffi::call!(message, |m| m.message.in_progress())
}

/// Frees the message (unacknowledged, it is redelivered after the ack wait). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_msg_free(message: *mut natskit_js_msg) {
    guard_value((), || ffi::free_handle(message))
}
