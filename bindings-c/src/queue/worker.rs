//! `natskit_worker`: the worker runtime driven from a host loop (pull-style, on the
//! caller's thread): `natskit_worker_next` hands out jobs, the host runs its handler and
//! finishes the job with `natskit_job_complete` / `_release` / `_fail` / `_error` / `_delete`.

use std::ffi::c_char;
use std::sync::Arc;

use natskit::queue::{Step, StopReason, Worker, WorkerHook, WorkerOptions};

use super::natskit_job;
use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A worker over one or more queues (opaque). `natskit_worker_stop` may be called from any
/// thread (a signal handler's flag check, another thread); the loop itself runs on one.
pub struct natskit_worker {
    worker: Arc<Worker>,
    unit: natskit::Unit,
}

/// What `natskit_worker_next` produced.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum natskit_worker_step {
    /// A job to run: `*job_out` is set.
    Job = 0,
    /// No job within the wait: check signals, then ask again.
    Idle = 1,
    /// Leave the loop: `*stop_reason_out` says why.
    Stop = 2,
}

/// Creates a worker with options as JSON (NULL = defaults): `queues` (priority order),
/// `tries`, `timeout`, `sleep`, `once`, `stop_when_empty`, `max_jobs`, `max_time`, `memory`,
/// `concurrency`, `rest` (durations in the client's unit).
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_new(
    client: *const natskit_client,
    options_json: *const c_char,
    worker_out: *mut *mut natskit_worker,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let options =
            WorkerOptions::from_host(ffi::json_value(options_json, "options_json")?, c.unit())?;
        let out = ffi::out(worker_out, "worker_out")?;
        let worker = natskit::runtime::enter(|| Worker::new(&c.client, &c.connection, options))?;
        *out = ffi::into_handle(natskit_worker {
            worker: Arc::new(worker),
            unit: c.unit(),
        });
        Ok(())
    })
}

/// Checks a worker hook name: `processing`, `processed`, `released`, `exception` or `failed`
/// (the `"hook"` of a job event says which one hears it); `NATSKIT_STATUS_INVALID_ARGUMENT`
/// naming the hooks otherwise.
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_hook_check(name: *const c_char) -> natskit_status {
    guard(|| WorkerHook::parse(ffi::text(name, "name")?).map(drop))
}

fn stop_reason_name(reason: StopReason) -> *const c_char {
    match reason {
        StopReason::Requested => c"requested",
        StopReason::Once => c"once",
        StopReason::Empty => c"empty",
        StopReason::MaxJobs => c"max_jobs",
        StopReason::MaxTime => c"max_time",
        StopReason::Memory => c"memory",
    }
    .as_ptr()
}

/// Waits up to `wait_ms` (at most the `sleep` option; `NATSKIT_NO_WAIT` and
/// `NATSKIT_TIMEOUT_DEFAULT` = only what is ready) for the next job. Writes the step;
/// with `NATSKIT_WORKER_STEP_JOB` `*job_out` is the job (else NULL), with
/// `NATSKIT_WORKER_STEP_STOP` `*stop_reason_out` is a static name (`"requested"`, `"once"`,
/// `"empty"`, `"max_jobs"`, `"max_time"`, `"memory"`; else NULL). Jobs past their tries or
/// retry-until are failed here without being handed out.
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_next(
    worker: *const natskit_worker,
    wait_ms: i64,
    step_out: *mut natskit_worker_step,
    job_out: *mut *mut natskit_job,
    stop_reason_out: *mut *const c_char,
) -> natskit_status {
    guard(|| {
        let w = ffi::handle(worker, "worker")?;
        let wait = Timeout::from_c(wait_ms, "wait_ms")?.bounded("worker next")?;
        let step_slot = ffi::out(step_out, "step_out")?;
        let job_slot = ffi::out(job_out, "job_out")?;
        let reason_slot = ffi::out(stop_reason_out, "stop_reason_out")?;
        let (step, job, reason) = match ffi::block_on(w.worker.next(wait))? {
            Step::Job(job) => (
                natskit_worker_step::Job,
                natskit_job::new_handle(job, Some(w.worker.clone()), w.unit)?,
                std::ptr::null(),
            ),
            Step::Idle => (
                natskit_worker_step::Idle,
                std::ptr::null_mut(),
                std::ptr::null(),
            ),
            Step::Stop(reason) => (
                natskit_worker_step::Stop,
                std::ptr::null_mut(),
                stop_reason_name(reason),
            ),
        };
        *step_slot = step;
        *job_slot = job;
        *reason_slot = reason;
        Ok(())
    })
}

/// Asks the worker to stop gracefully: the running job finishes, no new one is taken,
/// jobs fetched but not handed out go back to their queue. Safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_stop(worker: *const natskit_worker) -> natskit_status {
    guard(|| {
        ffi::handle(worker, "worker")?.worker.stop();
        Ok(())
    })
}

/// The host's memory use in megabytes, checked against the `memory` option.
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_report_memory(
    worker: *const natskit_worker,
    megabytes: u64,
) -> natskit_status {
    guard(|| {
        ffi::handle(worker, "worker")?
            .worker
            .report_memory(megabytes);
        Ok(())
    })
}

/// The worker's counters as JSON: `{"jobs", "processed", "retried", "failed"}`.
/// Free with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_stats_json(
    worker: *const natskit_worker,
    json_out: *mut *mut c_char,
) -> natskit_status {
    ffi::getter!(worker, json_out, |w| ffi::owned_json(&w.worker.stats()))
}

/// Frees the worker (jobs it handed out stay valid and finish normally). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_worker_free(worker: *mut natskit_worker) {
    guard_value((), || ffi::free_handle(worker))
}
