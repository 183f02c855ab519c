//! `natskit_queue_failed_*`: the failed-jobs store of the queue's connection (list, get,
//! retry, forget, flush), with jobs as JSON `{"id", "connection", "queue", "payload",
//! "exception", "message", "trace", "failed_at"}`.

use std::ffi::c_char;

use natskit::queue::FailedJob;

use super::natskit_queue;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::guard;

/// Every failed job of queue `queue_name` (NULL = of every queue), oldest first, as a JSON
/// array. Free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_failed_list(
    queue: *const natskit_queue,
    queue_name: *const c_char,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let filter = ffi::optional_text(queue_name, "queue_name")?;
        ffi::answer_json!(json_out, q.queue.failed().list(filter))
    })
}

/// One failed job as JSON; `NATSKIT_STATUS_NOT_FOUND` when there is none with that id.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_failed_get(
    queue: *const natskit_queue,
    id: *const c_char,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let id = ffi::text(id, "id")?;
        ffi::answer_json!(json_out, q.queue.failed().get(id))
    })
}

/// Puts failed jobs back on their queues with attempts reset: `ids_json` is a JSON array of
/// ids, or NULL for every failed job. `*retried_json_out` is the array of ids retried.
/// An unknown id fails with `NATSKIT_STATUS_NOT_FOUND` before anything is retried.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_failed_retry(
    queue: *const natskit_queue,
    ids_json: *const c_char,
    retried_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let ids: Option<Vec<String>> = ffi::json_arg(ids_json, "ids_json")?;
        let out = ffi::out(retried_json_out, "retried_json_out")?;
        let failed = q.queue.failed();
        let retried = match ids {
            Some(ids) => ffi::block_on(failed.retry(&ids))?,
            None => ffi::block_on(failed.retry_all())?,
        };
        *out = ffi::owned_json(&retried)?;
        Ok(())
    })
}

/// Deletes one failed job; `*found_out` is false when there was none with that id.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_failed_forget(
    queue: *const natskit_queue,
    id: *const c_char,
    found_out: *mut bool,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let id = ffi::text(id, "id")?;
        ffi::answer!(found_out, q.queue.failed().forget(id))
    })
}

/// Deletes every failed job (`older_than_ms` < 0), or those that failed more than
/// `older_than_ms` milliseconds ago; `*flushed_out` is how many.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_failed_flush(
    queue: *const natskit_queue,
    older_than_ms: i64,
    flushed_out: *mut u64,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let out = ffi::out(flushed_out, "flushed_out")?;
        let older_than = match older_than_ms {
            ms if ms < 0 => None,
            ms => Some(ffi::millis(ms, "older_than_ms")?),
        };
        *out = ffi::block_on(q.queue.failed().flush(older_than))?;
        Ok(())
    })
}

/// Reports a job that a host's own worker failed (Laravel's failer): `failed_json` is
/// `{"id", "connection", "queue", "payload", "exception", "message", "trace"?, "failed_at"?}`
/// (`failed_at` in Unix seconds, now when absent). Kept in the store when `store`; published
/// to `dead_letter_subject` with the seed's field names when it is not NULL.
#[no_mangle]
pub unsafe extern "C" fn natskit_queue_failed_report(
    queue: *const natskit_queue,
    failed_json: *const c_char,
    store: bool,
    dead_letter_subject: *const c_char,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let failed: FailedJob = ffi::json_arg(failed_json, "failed_json")?
            .ok_or_else(|| ffi::invalid("failed_json is NULL".into()))?;
        let subject = ffi::optional_text(dead_letter_subject, "dead_letter_subject")?;
        ffi::block_on(q.queue.failed().report(failed, store, subject))
    })
}
