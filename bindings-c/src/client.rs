//! `natskit_client`: connect, publish, request, subscribe, flush, stats, events, close.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;

use natskit::{Client, ConnectionConfig, PublishOptions, RequestOptions};

use crate::error::natskit_status;
use crate::ffi;
use crate::message::natskit_message;
use crate::panic::{guard, guard_value};
use crate::subscription::natskit_subscription;
use crate::timeout::Timeout;

/// A connection to NATS (opaque). Safe to use from several threads at once.
pub struct natskit_client {
    pub(crate) client: Client,
    /// The connection's name in the configuration (recorded in failed jobs).
    pub(crate) connection: String,
    /// The `natskit_duration_unit` of durations inside JSON (configs, infos, options, events).
    unit: AtomicU32,
}

/// The unit of durations inside the JSON a client's calls take and give (JetStream configs
/// and infos, KV configs, publish `ttl`, job push and worker options, job events, queue sizes).
/// Durations passed as `int64_t` arguments are always milliseconds.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum natskit_duration_unit {
    /// Milliseconds: the C ABI's unit, and every client's until changed.
    Milliseconds = 0,
    /// Seconds, for hosts whose unit is the second (PHP over FFI).
    Seconds = 1,
}

impl natskit_client {
    pub(crate) fn new_handle(client: Client, connection: &str) -> *mut natskit_client {
        ffi::into_handle(natskit_client {
            client,
            connection: connection.to_string(),
            unit: AtomicU32::new(natskit_duration_unit::Milliseconds as u32),
        })
    }

    /// The core unit of durations inside this client's JSON.
    pub(crate) fn unit(&self) -> natskit::Unit {
        if self.unit.load(Ordering::Relaxed) == natskit_duration_unit::Seconds as u32 {
            natskit::Unit::Seconds
        } else {
            natskit::Unit::Milliseconds
        }
    }
}

/// Sets the unit (a `natskit_duration_unit` value) of durations inside the JSON of this client's
/// calls and of the JetStream, queue and worker handles opened from it afterwards.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_set_duration_unit(
    client: *const natskit_client,
    unit: u32,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        if unit > natskit_duration_unit::Seconds as u32 {
            return Err(ffi::invalid(format!(
                "unit {unit} is not NATSKIT_DURATION_UNIT_MILLISECONDS (0) or NATSKIT_DURATION_UNIT_SECONDS (1)"
            )));
        }
        c.unit.store(unit, Ordering::Relaxed);
        Ok(())
    })
}

fn request_timeout(timeout_ms: i64) -> natskit::Result<Option<Duration>> {
    Timeout::from_c(timeout_ms, "timeout_ms")?.configured("request")
}

/// What a request export reads, checked: the subject, optional headers (JSON), the payload
/// (within the server's `max_payload`) and the timeout.
pub(crate) struct RequestArgs<'a> {
    pub subject: &'a str,
    pub headers: Option<natskit::Headers>,
    pub data: &'a [u8],
    pub timeout: Option<Duration>,
}

impl<'a> RequestArgs<'a> {
    pub(crate) unsafe fn read(
        client: &natskit::Client,
        subject: *const c_char,
        headers_json: *const c_char,
        data: *const c_void,
        len: usize,
        timeout_ms: i64,
    ) -> natskit::Result<RequestArgs<'a>> {
        Ok(RequestArgs {
            subject: ffi::text(subject, "subject")?,
            headers: ffi::headers(headers_json)?,
            data: ffi::payload(client, data, len)?,
            timeout: request_timeout(timeout_ms)?,
        })
    }
}

/// Connects directly with connection options as JSON (`{"servers": "nats://…", "user": …}`,
/// the keys of one connection in the configuration).
#[no_mangle]
pub unsafe extern "C" fn natskit_connect(
    options_json: *const c_char,
    client_out: *mut *mut natskit_client,
) -> natskit_status {
    guard(|| {
        let json = ffi::text(options_json, "options_json")?;
        let out = ffi::out(client_out, "client_out")?;
        let config = ConnectionConfig::from_json(json)?;
        let client = ffi::block_on(Client::connect(&config))?;
        *out = natskit_client::new_handle(client, natskit::config::DEFAULT_CONNECTION);
        Ok(())
    })
}

/// Publishes `len` bytes at `data` (NULL allowed when `len` is 0) to `subject`.
///
/// Returns once the message is checked and staged (the payload copied); the library hands
/// staged messages to the connection in batches, in call order. A staged message the
/// connection refuses later (reconnect buffer full, closed) fails the next publish, flush,
/// drain or close of the client. Flush or close before the process exits.
#[no_mangle]
pub unsafe extern "C" fn natskit_publish(
    client: *const natskit_client,
    subject: *const c_char,
    data: *const c_void,
    len: usize,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let subject = ffi::text(subject, "subject")?;
        let data = ffi::payload(&c.client, data, len)?;
        let none = PublishOptions::default();
        c.client
            .publish_staged(subject, Bytes::copy_from_slice(data), &none)
    })
}

/// Publishes with an optional reply subject and optional headers as JSON
/// (`{"Name": "v"}` or `{"Name": ["v1", "v2"]}`); either may be NULL. Staged as
/// `natskit_publish`.
#[no_mangle]
pub unsafe extern "C" fn natskit_publish_msg(
    client: *const natskit_client,
    subject: *const c_char,
    reply: *const c_char,
    headers_json: *const c_char,
    data: *const c_void,
    len: usize,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let subject = ffi::text(subject, "subject")?;
        let reply = ffi::optional_text(reply, "reply")?;
        let headers = ffi::headers(headers_json)?;
        let data = ffi::payload(&c.client, data, len)?;
        let opts = PublishOptions {
            headers: headers.as_ref(),
            reply,
        };
        let data = Bytes::copy_from_slice(data);
        c.client.publish_staged(subject, data, &opts)
    })
}

/// The most messages one `natskit_publish_many` or `natskit_publish_packed` call takes.
pub const NATSKIT_BATCH_MAX: usize = 1 << 20;

fn batch_count(count: usize) -> natskit::Result<usize> {
    if count > NATSKIT_BATCH_MAX {
        return Err(ffi::invalid(format!(
            "count {count} is above NATSKIT_BATCH_MAX ({NATSKIT_BATCH_MAX})"
        )));
    }
    Ok(count)
}

/// Publishes `count` messages (at most `NATSKIT_BATCH_MAX`) in order: message `i` is the
/// `lens[i]` bytes at `data[i]` (NULL allowed when `lens[i]` is 0) to `subjects[i]`.
/// Every argument and message is checked first: on any error nothing is sent, and the
/// message names the index at fault. Staged as `natskit_publish`. `count` 0 does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_publish_many(
    client: *const natskit_client,
    subjects: *const *const c_char,
    data: *const *const c_void,
    lens: *const usize,
    count: usize,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let count = batch_count(count)?;
        let subjects = ffi::slice(subjects, count, "subjects")?;
        let data = ffi::slice(data, count, "data")?;
        let lens = ffi::slice(lens, count, "lens")?;
        let mut messages = Vec::with_capacity(count);
        for i in 0..count {
            let at = |e: natskit::Error| e.context(format_args!("message {i}"));
            let subject = ffi::text(subjects[i], "subject").map_err(at)?;
            let payload = ffi::payload(&c.client, data[i], lens[i]).map_err(at)?;
            messages.push((subject, Bytes::copy_from_slice(payload)));
        }
        c.client.publish_many_staged(messages)
    })
}

/// Publishes `count` payloads (at most `NATSKIT_BATCH_MAX`) packed back to back in the `len`
/// bytes at `data` to `subject`, in order: payload `i` is the next `lens[i]` bytes, and the
/// lengths must add up to `len`. Checked and staged as `natskit_publish_many` (nothing is sent
/// on any error), with one copy of `data` for the whole batch.
#[no_mangle]
pub unsafe extern "C" fn natskit_publish_packed(
    client: *const natskit_client,
    subject: *const c_char,
    data: *const c_void,
    len: usize,
    lens: *const usize,
    count: usize,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let subject = ffi::text(subject, "subject")?;
        let count = batch_count(count)?;
        let lens = ffi::slice(lens, count, "lens")?;
        let total = lens.iter().try_fold(0usize, |sum, &l| sum.checked_add(l));
        if total != Some(len) {
            return Err(ffi::invalid(format!(
                "lens: the {count} lengths do not add up to len {len}"
            )));
        }
        let mut packed = Bytes::copy_from_slice(ffi::bytes(data, len, "data")?);
        let messages = lens.iter().map(|&l| (subject, packed.split_to(l)));
        c.client.publish_many_staged(messages)
    })
}

/// Sends a request and waits for the first reply. `timeout_ms` `NATSKIT_TIMEOUT_DEFAULT` uses the connection's
/// `request_timeout`. Fails with `NATSKIT_STATUS_NO_RESPONDERS` or `NATSKIT_STATUS_TIMEOUT`.
#[no_mangle]
pub unsafe extern "C" fn natskit_request(
    client: *const natskit_client,
    subject: *const c_char,
    data: *const c_void,
    len: usize,
    timeout_ms: i64,
    reply_out: *mut *mut natskit_message,
) -> natskit_status {
    natskit_request_msg(
        client,
        subject,
        std::ptr::null(),
        data,
        len,
        timeout_ms,
        reply_out,
    )
}

/// `natskit_request` with optional headers as JSON.
#[no_mangle]
pub unsafe extern "C" fn natskit_request_msg(
    client: *const natskit_client,
    subject: *const c_char,
    headers_json: *const c_char,
    data: *const c_void,
    len: usize,
    timeout_ms: i64,
    reply_out: *mut *mut natskit_message,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let a = RequestArgs::read(&c.client, subject, headers_json, data, len, timeout_ms)?;
        let out = ffi::out(reply_out, "reply_out")?;
        let opts = RequestOptions {
            headers: a.headers.as_ref(),
            timeout: a.timeout,
        };
        let reply = ffi::block_on(
            c.client
                .request_with(a.subject, a.data.to_vec().into(), &opts),
        )?;
        *out = natskit_message::new_handle(reply);
        Ok(())
    })
}

/// Subscribes to `subject` (wildcards allowed), in queue group `queue` unless NULL.
/// Receive with `natskit_subscription_next`.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscribe(
    client: *const natskit_client,
    subject: *const c_char,
    queue: *const c_char,
    subscription_out: *mut *mut natskit_subscription,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let subject = ffi::text(subject, "subject")?;
        let queue = ffi::optional_text(queue, "queue")?;
        let out = ffi::out(subscription_out, "subscription_out")?;
        let sub = ffi::block_on(c.client.subscribe(subject, queue))?;
        *out = natskit_subscription::new_handle(sub);
        Ok(())
    })
}

/// Returns once everything published before has reached the server.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_flush(client: *const natskit_client) -> natskit_status {
    ffi::call!(client, |c| c.client.flush())
}

/// Flushes and closes the connection (for every handle sharing it). Closing twice is fine.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_close(client: *const natskit_client) -> natskit_status {
    ffi::call!(client, |c| c.client.close())
}

/// Drains every subscription (buffered messages stay receivable), then closes.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_drain(client: *const natskit_client) -> natskit_status {
    ffi::call!(client, |c| c.client.drain())
}

/// The largest payload (headers included) the server accepts.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_max_payload(
    client: *const natskit_client,
    max_out: *mut usize,
) -> natskit_status {
    ffi::getter!(client, max_out, |c| Ok(c.client.max_payload()))
}

/// The connection's counters as JSON (`{"in_msgs":…,"out_msgs":…,"in_bytes":…,"out_bytes":…,
/// "reconnects":…,"dropped":…}`); free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_stats_json(
    client: *const natskit_client,
    json_out: *mut *mut c_char,
) -> natskit_status {
    ffi::getter!(client, json_out, |c| ffi::owned_json(&c.client.stats()))
}

/// Takes the oldest connection event as JSON (`{"event":"reconnected"}`, …), or writes NULL
/// when none is pending. Free the text with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_poll_event(
    client: *const natskit_client,
    event_json_out: *mut *mut c_char,
) -> natskit_status {
    ffi::getter!(client, event_json_out, |c| match c.client.poll_event() {
        Some(event) => ffi::owned_json(&event),
        None => Ok(std::ptr::null_mut()),
    })
}

/// Frees the handle. A connection from `natskit_connect` ends once its last handle,
/// subscription and message are freed; call `natskit_client_close` first to flush. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_client_free(client: *mut natskit_client) {
    guard_value((), || ffi::free_handle(client))
}
