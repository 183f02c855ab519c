//! `natskit_job`: a job taken from a queue or a worker, its accessors, and how it is finished.

use std::ffi::{c_char, CString};
use std::sync::Arc;

use natskit::queue::{Job, JobHandle, Outcome, Queue, Worker};
use natskit::units::Object;
use natskit::{Error, ErrorCode, Result};

use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// A reserved job (opaque): core's job handle and its texts, lent until `natskit_job_free`.
pub struct natskit_job {
    handle: JobHandle,
    id: CString,
    name: CString,
    queue: CString,
    payload_json: CString,
    envelope_json: CString,
    invalid: Option<CString>,
    trace_json: std::sync::OnceLock<Option<CString>>,
    /// The unit of durations in event JSON (the client's).
    unit: natskit::Unit,
}

impl natskit_job {
    pub(crate) fn new_handle(
        job: Job,
        worker: Option<Arc<Worker>>,
        unit: natskit::Unit,
    ) -> Result<*mut natskit_job> {
        let handle = JobHandle::new(job, worker);
        let job = natskit_job {
            id: ffi::lent_string(handle.id(), "job id")?,
            name: ffi::lent_string(handle.name(), "job name")?,
            queue: ffi::lent_string(handle.queue(), "queue name")?,
            payload_json: ffi::lent_string(&serde_json::to_string(handle.payload())?, "payload")?,
            envelope_json: ffi::lent_string(
                &serde_json::to_string(handle.envelope())?,
                "envelope",
            )?,
            invalid: handle
                .invalid()
                .map(|why| ffi::lent_string(why, "invalid reason"))
                .transpose()?,
            trace_json: std::sync::OnceLock::new(),
            handle,
            unit,
        };
        Ok(ffi::into_handle(job))
    }

    /// The job a pop of `queue` brought, as a handle; `NATSKIT_STATUS_TIMEOUT` when none came.
    pub(crate) fn popped(
        job: Option<Job>,
        queue: &Queue,
        timeout_ms: i64,
        unit: natskit::Unit,
    ) -> Result<*mut natskit_job> {
        let job = job.ok_or_else(|| {
            let what = format!("no job on queue {} within {timeout_ms} ms", queue.name());
            Error::new(ErrorCode::Timeout, what)
        })?;
        natskit_job::new_handle(job, None, unit)
    }

    /// Finishes the job (core's handle: once, through its worker when it has one).
    fn finish(&self, outcome: Outcome, event_out: *mut *mut c_char) -> Result<()> {
        let event = ffi::block_on(self.handle.finish(outcome))?;
        if !event_out.is_null() {
            // SAFETY: checked non-NULL; the caller passes a writable slot.
            let event = Object::JobEvent.to_host(serde_json::to_value(&event)?, self.unit);
            unsafe { *event_out = ffi::owned_json(&event)? };
        }
        Ok(())
    }
}

/// The job id.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_id(
    job: *const natskit_job,
    id_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, id_out, |j| Ok(j.id.as_ptr()))
}

/// The job's name (the handler key, e.g. `ProcessOrder`).
#[no_mangle]
pub unsafe extern "C" fn natskit_job_name(
    job: *const natskit_job,
    name_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, name_out, |j| Ok(j.name.as_ptr()))
}

/// The queue the job came from.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_queue(
    job: *const natskit_job,
    queue_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, queue_out, |j| Ok(j.queue.as_ptr()))
}

/// The payload as JSON text.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_payload_json(
    job: *const natskit_job,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, json_out, |j| Ok(j.payload_json.as_ptr()))
}

/// The whole job envelope as JSON text (`uuid`, `queue`, `job`, `data`, `maxTries`, …).
#[no_mangle]
pub unsafe extern "C" fn natskit_job_envelope_json(
    job: *const natskit_job,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, json_out, |j| Ok(j.envelope_json.as_ptr()))
}

/// Why the message taken is not a job (`*reason_out` is NULL for a job): only jobs taken
/// through `natskit_prefetch_pop` can be invalid; fail them with `natskit_job_fail` or delete them.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_invalid(
    job: *const natskit_job,
    reason_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, reason_out, |j| {
        Ok(j.invalid.as_ref().map_or(std::ptr::null(), |r| r.as_ptr()))
    })
}

/// The W3C trace context the job was pushed with, as JSON (as
/// `natskit_message_trace_context_json`), or NULL when it has none.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_trace_context_json(
    job: *const natskit_job,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(job, json_out, |j| {
        crate::message::lend_optional(&j.trace_json, || {
            j.handle
                .trace_context()
                .map(|c| ffi::lent_string(&serde_json::to_string(&c)?, "trace context"))
                .transpose()
        })
    })
}

/// This attempt's number (1 on the first run).
#[no_mangle]
pub unsafe extern "C" fn natskit_job_attempts(
    job: *const natskit_job,
    attempts_out: *mut u32,
) -> natskit_status {
    ffi::getter!(job, attempts_out, |j| Ok(j.handle.attempts()))
}

// Every finishing call below takes the job out of the reserved state once (a second one
// fails with NATSKIT_STATUS_QUEUE) and, when `event_json_out` is not NULL, writes what happened
// as JSON: `{"event": "processed"|"deleted"|"released"|"retrying"|"failed", "hook":
// "processed"|"released"|"failed" (the worker hook that hears of it), "id", …}` (`delay` in
// the client's unit)
// (free with `natskit_string_free`). A run longer than the job's timeout counts as an error.

/// Finishes the job as done: it leaves the queue.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_complete(
    job: *const natskit_job,
    event_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| ffi::handle(job, "job")?.finish(Outcome::Success, event_json_out))
}

/// Deletes the job: it leaves the queue without counting as failed.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_delete(
    job: *const natskit_job,
    event_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| ffi::handle(job, "job")?.finish(Outcome::Delete, event_json_out))
}

/// Puts the job back, available again after `delay_ms` (counts as an attempt, not an exception).
#[no_mangle]
pub unsafe extern "C" fn natskit_job_release(
    job: *const natskit_job,
    delay_ms: i64,
    event_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(job, "job")?;
        let delay = ffi::millis(delay_ms, "delay_ms")?;
        j.finish(Outcome::Release(delay), event_json_out)
    })
}

/// Fails the job now, whatever tries remain: it goes to the failed-jobs store (and the
/// dead-letter subject, when configured) with `reason` (NULL = "failed by the handler").
#[no_mangle]
pub unsafe extern "C" fn natskit_job_fail(
    job: *const natskit_job,
    reason: *const c_char,
    event_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(job, "job")?;
        let reason = ffi::optional_text(reason, "reason")?.unwrap_or("failed by the handler");
        j.finish(Outcome::Fail(reason.to_string()), event_json_out)
    })
}

/// Reports that the handler raised `exception` (class or kind) with `message` and `trace`
/// (NULL = empty): counts toward tries and max exceptions; the job is retried after its
/// backoff, or fails when none remain.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_error(
    job: *const natskit_job,
    exception: *const c_char,
    message: *const c_char,
    trace: *const c_char,
    event_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(job, "job")?;
        let outcome = Outcome::Error {
            exception: ffi::text(exception, "exception")?.to_string(),
            message: ffi::optional_text(message, "message")?
                .unwrap_or_default()
                .to_string(),
            trace: ffi::optional_text(trace, "trace")?
                .unwrap_or_default()
                .to_string(),
        };
        j.finish(outcome, event_json_out)
    })
}

/// Frees the job. An unfinished job stays reserved until `retry_after`, then is
/// redelivered. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_job_free(job: *mut natskit_job) {
    guard_value((), || ffi::free_handle(job))
}
