//! Publishing to streams with acknowledgement, one at a time or pipelined.

use std::ffi::{c_char, c_void};

use natskit::jetstream::{AsyncPublisher, PublishOptions};
use natskit::Result;

use super::natskit_js;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

unsafe fn options(options_json: *const c_char, unit: natskit::Unit) -> Result<PublishOptions> {
    PublishOptions::from_host(ffi::json_value(options_json, "options_json")?, unit)
}

/// Publishes to a stream and waits for its ack. `options_json` (NULL = none):
/// `{"msg_id", "expected_stream", "expected_last_seq", "expected_last_msg_id",
/// "expected_last_subject_seq", "ttl" (ms, a whole number of seconds of at least 1000),
/// "headers"}`. `*ack_json_out` is
/// `{"stream", "sequence", "duplicate", "domain"}`. A failed expectation is `NATSKIT_STATUS_JETSTREAM`.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_publish(
    js: *const natskit_js,
    subject: *const c_char,
    data: *const c_void,
    len: usize,
    options_json: *const c_char,
    ack_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let subject = ffi::text(subject, "subject")?;
        let data = ffi::payload(j.js.client(), data, len)?;
        let options = options(options_json, j.js.unit())?;
        ffi::answer_json!(ack_json_out, j.js.publish(subject, data.to_vec(), &options))
    })
}

/// A pipelined publisher (opaque): publishes without waiting for each ack, at most
/// `max_in_flight` outstanding.
pub struct natskit_js_publisher {
    publisher: AsyncPublisher,
    unit: natskit::Unit,
}

/// Creates a pipelined publisher with at most `max_in_flight` (>= 1) acks outstanding.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_publisher_new(
    js: *const natskit_js,
    max_in_flight: usize,
    publisher_out: *mut *mut natskit_js_publisher,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let out = ffi::out(publisher_out, "publisher_out")?;
        let publisher = j.js.publisher(max_in_flight)?;
        let unit = j.js.unit();
        *out = ffi::into_handle(natskit_js_publisher { publisher, unit });
        Ok(())
    })
}

/// Sends one message (options as for `natskit_js_publish`), waiting only while the window is full.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_publisher_publish(
    publisher: *const natskit_js_publisher,
    subject: *const c_char,
    data: *const c_void,
    len: usize,
    options_json: *const c_char,
) -> natskit_status {
    guard(|| {
        let p = ffi::handle(publisher, "publisher")?;
        let subject = ffi::text(subject, "subject")?;
        let data = ffi::payload(p.publisher.client(), data, len)?;
        let options = options(options_json, p.unit)?;
        ffi::block_on(p.publisher.publish(subject, data.to_vec(), &options))
    })
}

/// Waits for every outstanding ack: `*summary_json_out` is `{"acked", "duplicates", "last_sequence"}`
/// since the last wait, or the call fails with the first publish error.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_publisher_wait(
    publisher: *const natskit_js_publisher,
    summary_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let p = ffi::handle(publisher, "publisher")?;
        ffi::answer_json!(summary_json_out, p.publisher.wait())
    })
}

/// Frees the publisher (acks still outstanding are counted by nobody). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_js_publisher_free(publisher: *mut natskit_js_publisher) {
    guard_value((), || ffi::free_handle(publisher))
}
