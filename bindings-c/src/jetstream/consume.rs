//! `natskit_js_consume` (a pull or push consumer) and `natskit_js_ordered` (a stream in
//! order): messages arriving in the background, taken on the caller's thread.

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};

use natskit::jetstream::{ConsumeOptions, Messages, MessagesControl, OrderedOptions};
use natskit::{Error, ErrorCode, Result};

use super::natskit_js;
use super::pull::natskit_js_msg;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// Messages of a consumer, arriving continuously in the background (opaque; made by
/// `natskit_js_consume` or `natskit_js_ordered`). One thread at a time may take messages; any
/// thread may stop it.
pub struct natskit_js_consumer_messages {
    messages: Mutex<Messages>,
    control: MessagesControl,
}

impl natskit_js_consumer_messages {
    fn take(&self) -> Result<MutexGuard<'_, Messages>> {
        self.messages.try_lock().map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "the consumer messages are in use by another thread; take them from one thread at a time",
            )
        })
    }
}

/// Consumes `stream`/`consumer` continuously. A pull consumer: pulls of `batch` messages, each
/// open on the server for `expires`, with idle heartbeats every `heartbeat`, renewed in the
/// background; `options_json` (NULL for the defaults) is `{"batch": 256, "expires": 30000,
/// "heartbeat": 5000}` (durations in the client's unit). Two missed heartbeats make
/// `natskit_js_consume_next` return `NATSKIT_STATUS_TIMEOUT` naming the heartbeat, a deleted
/// consumer `NATSKIT_STATUS_NOT_FOUND`. A push consumer is read from its deliver subject.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consume(
    js: *const natskit_js,
    stream: *const c_char,
    consumer: *const c_char,
    options_json: *const c_char,
    messages_out: *mut *mut natskit_js_consumer_messages,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let consumer = ffi::text(consumer, "consumer")?;
        let options =
            ConsumeOptions::from_host(ffi::json_value(options_json, "options_json")?, j.js.unit())?;
        let out = ffi::out(messages_out, "messages_out")?;
        let messages = ffi::block_on(j.js.consume(stream, consumer, &options))?;
        *out = into_handle(messages);
        Ok(())
    })
}

/// Reads `stream` in order through an ordered consumer (ephemeral, no acks, recreated from
/// the next sequence after a gap or a server restart); take messages with
/// `natskit_js_consume_next`. `options_json` (NULL: all of it) is `{"deliver_policy": "all",
/// "opt_start_seq": n, "opt_start_time": "RFC 3339", "filter_subjects": ["a.>"],
/// "heartbeat": 5000}` (`heartbeat` in the client's unit).
#[no_mangle]
pub unsafe extern "C" fn natskit_js_ordered(
    js: *const natskit_js,
    stream: *const c_char,
    options_json: *const c_char,
    messages_out: *mut *mut natskit_js_consumer_messages,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let stream = ffi::text(stream, "stream")?;
        let options =
            OrderedOptions::from_host(ffi::json_value(options_json, "options_json")?, j.js.unit())?;
        let out = ffi::out(messages_out, "messages_out")?;
        let messages = ffi::block_on(j.js.ordered(stream, &options))?;
        *out = into_handle(messages);
        Ok(())
    })
}

fn into_handle(messages: Messages) -> *mut natskit_js_consumer_messages {
    let control = messages.control();
    ffi::into_handle(natskit_js_consumer_messages {
        messages: Mutex::new(messages),
        control,
    })
}

/// Waits up to `timeout_ms` (`NATSKIT_FOREVER`, or `NATSKIT_NO_WAIT` and
/// `NATSKIT_TIMEOUT_DEFAULT` = only what has arrived) for the next message, to be acked and
/// freed as one from `natskit_js_fetch_next`. `NATSKIT_STATUS_TIMEOUT` when none came (or,
/// `natskit_last_error()` naming the heartbeat, after two missed idle heartbeats: the server is
/// gone; a later call goes on if it comes back), `NATSKIT_STATUS_NOT_FOUND` once the consumer
/// is deleted, `NATSKIT_STATUS_CLOSED` once stopped.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consume_next(
    messages: *const natskit_js_consumer_messages,
    timeout_ms: i64,
    message_out: *mut *mut natskit_js_msg,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(messages, "messages")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.receive();
        let out = ffi::out(message_out, "message_out")?;
        let message = ffi::block_on(m.take()?.next(timeout))?.ok_or_else(|| {
            Error::new(
                ErrorCode::Timeout,
                format!("no message within {timeout_ms} ms"),
            )
        })?;
        *out = natskit_js_msg::new_handle(message)?;
        Ok(())
    })
}

/// Stops the pulls from any thread; a waiting `natskit_js_consume_next` returns
/// `NATSKIT_STATUS_CLOSED`, and so does every later one.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consume_stop(
    messages: *const natskit_js_consumer_messages,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(messages, "messages")?;
        m.control.stop();
        // Unsubscribes now unless a next is still waking up (it then does it itself).
        if let Ok(mut idle) = m.messages.try_lock() {
            idle.stop();
        }
        Ok(())
    })
}

/// Stops and frees the consumer messages. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_consume_free(messages: *mut natskit_js_consumer_messages) {
    guard_value((), || ffi::free_handle(messages))
}
