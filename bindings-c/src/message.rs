//! `natskit_message`: a received message. Every pointer it lends (subject, reply, data,
//! headers) stays valid until the message is freed.

use std::ffi::{c_char, c_void, CString};
use std::sync::OnceLock;

use natskit::Message;

use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// A received message (opaque).
pub struct natskit_message {
    message: Message,
    subject: OnceLock<CString>,
    reply: OnceLock<Option<CString>>,
    headers_json: OnceLock<CString>,
    trace_json: OnceLock<Option<CString>>,
}

impl natskit_message {
    pub(crate) fn new_handle(message: Message) -> *mut natskit_message {
        ffi::into_handle(natskit_message {
            message,
            subject: OnceLock::new(),
            reply: OnceLock::new(),
            headers_json: OnceLock::new(),
            trace_json: OnceLock::new(),
        })
    }
}

/// Lends text cached in a handle, computing it on first use.
pub(crate) fn lend(
    slot: &OnceLock<CString>,
    make: impl FnOnce() -> natskit::Result<CString>,
) -> natskit::Result<*const c_char> {
    if let Some(text) = slot.get() {
        return Ok(text.as_ptr());
    }
    let text = make()?;
    Ok(slot.get_or_init(|| text).as_ptr())
}

/// The subject the message was published to.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_subject(
    message: *const natskit_message,
    subject_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, subject_out, |m| {
        lend(&m.subject, || {
            ffi::lent_string(m.message.subject(), "subject")
        })
    })
}

/// The reply subject, or NULL when the sender expects no answer.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_reply(
    message: *const natskit_message,
    reply_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, reply_out, |m| {
        lend_optional(&m.reply, || {
            m.message
                .reply()
                .map(|r| ffi::lent_string(r, "reply"))
                .transpose()
        })
    })
}

/// The payload: `*data_out` points at `*len_out` bytes (not NUL-terminated; may be NULL
/// when the length is 0).
#[no_mangle]
pub unsafe extern "C" fn natskit_message_data(
    message: *const natskit_message,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> natskit_status {
    ffi::lend_bytes!(message, data_out, len_out, |m| m.message.data())
}

/// Every header as JSON, `{"Name": ["v1", "v2"]}` (`{}` when there are none).
#[no_mangle]
pub unsafe extern "C" fn natskit_message_headers_json(
    message: *const natskit_message,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, json_out, |m| {
        lend(&m.headers_json, || {
            ffi::lent_string(&m.message.headers().to_json().to_string(), "headers")
        })
    })
}

/// The sender's W3C trace context as JSON (`{"trace_id", "span_id", "flags", "sampled",
/// "tracestate"}`), or NULL when it sent none or a malformed one.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_trace_context_json(
    message: *const natskit_message,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(message, json_out, |m| {
        lend_optional(&m.trace_json, || {
            m.message
                .trace_context()
                .map(|c| ffi::lent_string(&serde_json::to_string(&c)?, "trace context"))
                .transpose()
        })
    })
}

/// Lends optional text cached in a handle (NULL for none), computing it on first use.
pub(crate) fn lend_optional(
    slot: &OnceLock<Option<CString>>,
    make: impl FnOnce() -> natskit::Result<Option<CString>>,
) -> natskit::Result<*const c_char> {
    let text = match slot.get() {
        Some(text) => text,
        None => {
            let made = make()?;
            slot.get_or_init(|| made)
        }
    };
    Ok(text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()))
}

/// Answers the message on its reply subject, with optional headers as JSON.
/// Fails with `NATSKIT_STATUS_INVALID_ARGUMENT` when it has no reply subject.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_respond(
    message: *const natskit_message,
    headers_json: *const c_char,
    data: *const c_void,
    len: usize,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let headers = ffi::headers(headers_json)?;
        let data = ffi::payload(m.message.client(), data, len)?;
        ffi::block_on(
            m.message
                .respond_with(data.to_vec().into(), headers.as_ref()),
        )
    })
}

/// Frees the message and everything it lent. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_free(message: *mut natskit_message) {
    // A message holds no async-nats object whose drop needs the runtime.
    guard_value((), || {
        if !message.is_null() {
            drop(Box::from_raw(message));
        }
    })
}
