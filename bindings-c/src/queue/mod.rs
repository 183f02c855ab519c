//! `natskit_queue`: push, pop, size, clear and the failed-jobs store of one job queue.

mod failed;
mod job;
mod prefetch;
mod worker;

use natskit::queue::{Envelope, PushOptions, Queue};
use natskit::units::Object;
use std::ffi::c_char;

use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

pub use job::natskit_job;
pub use prefetch::natskit_prefetch;
pub use worker::{natskit_worker, natskit_worker_step};

/// A job queue on one connection (opaque). Safe to use from several threads at once.
pub struct natskit_queue {
    queue: Queue,
    /// The unit of durations in options and numbers (the client's).
    pub(crate) unit: natskit::Unit,
}

/// Opens queue `name` (letters, digits, `-`, `_`) on the client's connection; its settings
/// come from the connection's `queue` configuration. Nothing is created on the server yet.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_new(
    client: *const natskit_client,
    name: *const c_char,
    queue_out: *mut *mut natskit_queue,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let name = ffi::text(name, "name")?;
        let out = ffi::out(queue_out, "queue_out")?;
        let queue = natskit::runtime::enter(|| Queue::new(&c.client, name, &c.connection))?;
        *out = ffi::into_handle(natskit_queue {
            queue,
            unit: c.unit(),
        });
        Ok(())
    })
}

/// Writes the new job's id (free with `natskit_string_free`), or NULL for an ignored unique duplicate.
fn write_id(out: &mut *mut c_char, id: Option<String>) -> natskit::Result<()> {
    *out = match id {
        Some(id) => ffi::owned_string(id)?,
        None => std::ptr::null_mut(),
    };
    Ok(())
}

/// Pushes job `job_name` with `payload_json` (any JSON; NULL = null) and `options_json`
/// (NULL or `{"tries", "backoff", "retryUntil", "maxExceptions", "timeout", "uniqueKey", "partitionKey",
/// "delay", "id", "displayName"}`, durations in the client's unit). Returns once the stream stored it; `*id_out` is the job id
/// (free with `natskit_string_free`), or NULL when a job with the same unique key is pending
/// and the policy is `ignore` (with `refuse` the call fails with `NATSKIT_STATUS_QUEUE`).
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_push(
    queue: *const natskit_queue,
    job_name: *const c_char,
    payload_json: *const c_char,
    options_json: *const c_char,
    id_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let job = ffi::text(job_name, "job_name")?;
        let payload = ffi::json_value(payload_json, "payload_json")?;
        let options =
            PushOptions::from_host(ffi::json_value(options_json, "options_json")?, q.unit)?;
        let out = ffi::out(id_out, "id_out")?;
        let id = ffi::block_on(q.queue.push(job, payload, &options))?;
        write_id(out, id)
    })
}

/// `natskit_queue_push` for a job that becomes available `delay_ms` milliseconds from now.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_later(
    queue: *const natskit_queue,
    delay_ms: i64,
    job_name: *const c_char,
    payload_json: *const c_char,
    options_json: *const c_char,
    id_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let job = ffi::text(job_name, "job_name")?;
        let payload = ffi::json_value(payload_json, "payload_json")?;
        let options =
            PushOptions::from_host(ffi::json_value(options_json, "options_json")?, q.unit)?;
        let out = ffi::out(id_out, "id_out")?;
        let delay = ffi::millis(delay_ms, "delay_ms")?;
        let id = ffi::block_on(q.queue.later(delay, job, payload, &options))?;
        write_id(out, id)
    })
}

/// Reads `envelope_json` and `delay_ms`, stores the envelope with `push` and writes its id.
unsafe fn push_one(
    queue: *const natskit_queue,
    envelope_json: *const c_char,
    delay_ms: i64,
    id_out: *mut *mut c_char,
    push: impl FnOnce(&Queue, Envelope, std::time::Duration) -> natskit::Result<Option<String>>,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let envelope = Envelope::from_slice(ffi::text(envelope_json, "envelope_json")?.as_bytes())?;
        let out = ffi::out(id_out, "id_out")?;
        let delay = ffi::millis(delay_ms, "delay_ms")?;
        write_id(out, push(&q.queue, envelope, delay)?)
    })
}

/// Pushes a whole job envelope (from another host, or a Laravel-shaped payload with
/// `uuid`, `job`, `data`, …), available after `delay_ms`. `*id_out` as for `natskit_queue_push`.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_push_envelope(
    queue: *const natskit_queue,
    envelope_json: *const c_char,
    delay_ms: i64,
    id_out: *mut *mut c_char,
) -> natskit_status {
    push_one(queue, envelope_json, delay_ms, id_out, |q, env, delay| {
        ffi::block_on(q.push_envelope(env, delay))
    })
}

/// Pushes many envelopes (a JSON array; Laravel's `bulk()`) with up to 256 stores in flight,
/// each available after `delay_ms`; returns once all are stored. `*ids_json_out` is the JSON
/// array of their ids (`null` for ignored unique duplicates); free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_push_envelopes(
    queue: *const natskit_queue,
    envelopes_json: *const c_char,
    delay_ms: i64,
    ids_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let text = ffi::text(envelopes_json, "envelopes_json")?;
        let envelopes: Vec<Envelope> = serde_json::from_str(text).map_err(|e| {
            natskit::Error::new(
                natskit::ErrorCode::Serialization,
                format!("envelopes_json: expected a JSON array of job envelopes: {e}"),
            )
        })?;
        let out = ffi::out(ids_json_out, "ids_json_out")?;
        let delay = ffi::millis(delay_ms, "delay_ms")?;
        let batch = envelopes.into_iter().map(|e| (e, delay)).collect();
        let ids = ffi::block_on(q.queue.push_envelopes(batch))?;
        *out = ffi::owned_json(&ids)?;
        Ok(())
    })
}

/// Stores again an envelope that was stored before (a failed job's payload being retried)
/// under a fresh message id, so the stream's duplicate window cannot drop it; available after
/// `delay_ms`. `*id_out` is the job id (free with `natskit_string_free`).
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_push_copy(
    queue: *const natskit_queue,
    envelope_json: *const c_char,
    delay_ms: i64,
    id_out: *mut *mut c_char,
) -> natskit_status {
    push_one(queue, envelope_json, delay_ms, id_out, |q, env, delay| {
        ffi::block_on(q.push_copy(env, delay)).map(Some)
    })
}

/// Takes the next job, waiting up to `timeout_ms` (`NATSKIT_NO_WAIT` and `NATSKIT_TIMEOUT_DEFAULT`
/// = only what is ready). The job stays
/// reserved (kept alive by a heartbeat) until finished with `natskit_job_complete`, `_delete`,
/// `_release`, `_fail` or `_error`; freed unfinished, it is redelivered after `retry_after`.
/// `NATSKIT_STATUS_TIMEOUT` when no job came.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_pop(
    queue: *const natskit_queue,
    timeout_ms: i64,
    job_out: *mut *mut natskit_job,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let out = ffi::out(job_out, "job_out")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.bounded("queue pop")?;
        let job = ffi::block_on(q.queue.pop(timeout))?;
        *out = natskit_job::popped(job, &q.queue, timeout_ms, q.unit)?;
        Ok(())
    })
}

/// Takes up to `max` jobs into `jobs_out[0..*count_out]` (an array of at least `max`
/// slots), waiting up to `timeout_ms` for the first. `*count_out` is 0 when none came.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_pop_many(
    queue: *const natskit_queue,
    max: usize,
    timeout_ms: i64,
    jobs_out: *mut *mut natskit_job,
    count_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.bounded("queue pop")?;
        ffi::fill(jobs_out, max, "jobs_out", count_out, || {
            let jobs = ffi::block_on(q.queue.pop_many(max, timeout))?;
            jobs.into_iter()
                .map(|j| natskit_job::new_handle(j, None, q.unit))
                .collect()
        })
    })
}

/// The queue's numbers as JSON: `{"ready", "reserved", "delayed", "failed", "oldest_age"}`
/// (ages in the client's unit). Free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_size_json(
    queue: *const natskit_queue,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let out = ffi::out(json_out, "json_out")?;
        let size = ffi::block_on(q.queue.size())?;
        let size = Object::QueueSize.to_host(serde_json::to_value(size)?, q.unit);
        *out = ffi::owned_json(&size)?;
        Ok(())
    })
}

/// Removes every waiting and delayed job and releases their unique locks; `*jobs_json_out`
/// is the JSON array of the envelopes removed (free with `natskit_string_free`).
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_clear_json(
    queue: *const natskit_queue,
    jobs_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        ffi::answer_json!(jobs_json_out, q.queue.clear_jobs())
    })
}

/// Removes every waiting and delayed job and releases their unique locks; `*purged_out` is how many.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_clear(
    queue: *const natskit_queue,
    purged_out: *mut u64,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        ffi::answer!(purged_out, q.queue.clear())
    })
}

/// Where the queue's stream lives, as JSON: `{"layout", "stream", "leader", "replicas",
/// "servers", "cluster"}`. Free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_placement_json(
    queue: *const natskit_queue,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        ffi::answer_json!(json_out, q.queue.placement())
    })
}

/// Moves the queue's waiting and delayed jobs from the shared stream to its own stream;
/// `*json_out` is `{"queue", "stream", "ready", "delayed", "reserved"}` (the counts moved,
/// and the reserved jobs left to their workers). Free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_migrate_json(
    queue: *const natskit_queue,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        ffi::answer_json!(json_out, q.queue.migrate())
    })
}

/// Frees the queue handle (jobs taken from it stay valid). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_free(queue: *mut natskit_queue) {
    guard_value((), || ffi::free_handle(queue))
}
