//! `natskit_message`: a received message. Every pointer it lends (subject, reply, data,
//! headers) stays valid until the message is freed.

use std::ffi::{c_char, c_void, CString};
use std::sync::OnceLock;

use natskit::{Headers, Message};

use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// A received message (opaque).
pub struct natskit_message {
    message: Message,
    subject: OnceLock<CString>,
    reply: OnceLock<Option<CString>>,
    headers_json: OnceLock<CString>,
}

impl natskit_message {
    pub(crate) fn new_handle(message: Message) -> *mut natskit_message {
        ffi::into_handle(natskit_message {
            message,
            subject: OnceLock::new(),
            reply: OnceLock::new(),
            headers_json: OnceLock::new(),
        })
    }
}

/// Lends text cached in the message, computing it on first use.
fn lend<'a>(
    slot: &'a OnceLock<CString>,
    make: impl FnOnce() -> natskit::Result<CString>,
) -> natskit::Result<&'a CString> {
    if let Some(text) = slot.get() {
        return Ok(text);
    }
    let text = make()?;
    Ok(slot.get_or_init(|| text))
}

/// The subject the message was published to.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_subject(
    message: *const natskit_message,
    subject_out: *mut *const c_char,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let out = ffi::out(subject_out, "subject_out")?;
        let subject = lend(&m.subject, || {
            ffi::lent_string(m.message.subject(), "subject")
        })?;
        *out = subject.as_ptr();
        Ok(())
    })
}

/// The reply subject, or NULL when the sender expects no answer.
#[no_mangle]
pub unsafe extern "C" fn natskit_message_reply(
    message: *const natskit_message,
    reply_out: *mut *const c_char,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let out = ffi::out(reply_out, "reply_out")?;
        let reply = match m.reply.get() {
            Some(reply) => reply,
            None => {
                let made = m
                    .message
                    .reply()
                    .map(|r| ffi::lent_string(r, "reply"))
                    .transpose()?;
                m.reply.get_or_init(|| made)
            }
        };
        *out = reply.as_ref().map_or(std::ptr::null(), |r| r.as_ptr());
        Ok(())
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
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let data_slot = ffi::out(data_out, "data_out")?;
        let len_slot = ffi::out(len_out, "len_out")?;
        let data = m.message.data();
        *data_slot = if data.is_empty() {
            std::ptr::null()
        } else {
            data.as_ptr()
        };
        *len_slot = data.len();
        Ok(())
    })
}

/// Every header as JSON, `{"Name": ["v1", "v2"]}` (`{}` when there are none).
#[no_mangle]
pub unsafe extern "C" fn natskit_message_headers_json(
    message: *const natskit_message,
    json_out: *mut *const c_char,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(message, "message")?;
        let out = ffi::out(json_out, "json_out")?;
        let json = lend(&m.headers_json, || {
            ffi::lent_string(&m.message.headers().to_json().to_string(), "headers")
        })?;
        *out = json.as_ptr();
        Ok(())
    })
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
        let headers = ffi::optional_text(headers_json, "headers_json")?
            .map(Headers::from_json_str)
            .transpose()?;
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
