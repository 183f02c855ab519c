//! `natskit_prefetch`: a queue read a batch at a time and handed out one job per call, for
//! hosts whose own worker pops once per job (Laravel's `queue:work`).

use natskit::queue::Prefetch;

use super::{natskit_job, natskit_queue};
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A prefetching reader of one queue (opaque). Free it after `natskit_prefetch_unreserve`.
pub struct natskit_prefetch {
    prefetch: Prefetch,
    unit: natskit::Unit,
}

/// Reads `queue` taking up to `size` jobs per pull (1..=256; 1 = no prefetch), or, with 0,
/// an adaptive number (1 up to 64 while jobs are short; held jobs go back after 0.1 s idle).
#[no_mangle]
pub unsafe extern "C" fn natskit_prefetch_new(
    queue: *const natskit_queue,
    size: usize,
    prefetch_out: *mut *mut natskit_prefetch,
) -> natskit_status {
    guard(|| {
        let q = ffi::handle(queue, "queue")?;
        let out = ffi::out(prefetch_out, "prefetch_out")?;
        if size > 256 {
            return Err(ffi::invalid(format!(
                "prefetch size {size}: expected 0 (adaptive) to 256"
            )));
        }
        *out = ffi::into_handle(natskit_prefetch {
            prefetch: Prefetch::new(q.queue.clone(), size),
            unit: q.unit,
        });
        Ok(())
    })
}

/// The next job: a buffered one, else what one pull brings, waiting up to `timeout_ms`
/// (`NATSKIT_NO_WAIT` and `NATSKIT_TIMEOUT_DEFAULT` = only what is ready) for the first. `NATSKIT_STATUS_TIMEOUT` when none came. A message
/// that is not a job comes back as a job for which `natskit_job_invalid` says why.
#[no_mangle]
pub unsafe extern "C" fn natskit_prefetch_pop(
    prefetch: *const natskit_prefetch,
    timeout_ms: i64,
    job_out: *mut *mut natskit_job,
) -> natskit_status {
    guard(|| {
        let p = ffi::handle(prefetch, "prefetch")?;
        let out = ffi::out(job_out, "job_out")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.bounded("prefetch pop")?;
        let job = ffi::block_on(p.prefetch.pop(timeout))?;
        *out = natskit_job::popped(job, p.prefetch.queue(), timeout_ms, p.unit)?;
        Ok(())
    })
}

/// Puts the jobs taken but not handed out back on the queue, attempts not counted;
/// `*count_out` (may be NULL) is how many.
#[no_mangle]
pub unsafe extern "C" fn natskit_prefetch_unreserve(
    prefetch: *const natskit_prefetch,
    count_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let p = ffi::handle(prefetch, "prefetch")?;
        let n = ffi::block_on(p.prefetch.unreserve())?;
        if !count_out.is_null() {
            *count_out = n;
        }
        Ok(())
    })
}

/// Frees the reader; jobs still buffered come back after the queue's `retry_after`.
#[no_mangle]
pub unsafe extern "C" fn natskit_prefetch_free(prefetch: *mut natskit_prefetch) {
    guard_value((), || ffi::free_handle(prefetch))
}
