//! The native half of a `Worker`: core's worker loop steps (which job next, limits, graceful
//! stop). index.js drives it with the JavaScript handlers, events and signal handling.

use std::sync::{Arc, Mutex};

use napi::Env;

use super::job::Job;
use crate::client::{millis, Client};
use crate::error::{to_napi, Outcome};

/// Counters of a worker's run.
#[napi(object)]
pub struct WorkerStats {
    /// Jobs finished (any outcome).
    pub jobs: f64,
    /// Jobs completed or deleted.
    pub processed: f64,
    /// Jobs released or retried.
    pub retried: f64,
    /// Jobs failed for good.
    pub failed: f64,
}

/// Checks a worker hook name (`processing`, `processed`, `released`, `exception`, `failed`:
/// the same in every host); throws `INVALID_ARGUMENT` naming the hooks otherwise.
#[napi]
pub fn check_worker_hook(env: &Env, name: String) -> napi::Result<()> {
    crate::error::guard(|| {
        natskit::queue::WorkerHook::parse(&name)
            .map(drop)
            .map_err(|e| to_napi(env, &e))
    })
}

/// Core's worker over the queues of one connection; `Worker` (index.js) runs the handlers.
#[napi]
pub struct WorkerLoop {
    inner: Arc<natskit::queue::Worker>,
    stop_reason: Arc<Mutex<Option<String>>>,
}

#[napi]
impl WorkerLoop {
    /// A worker on `client` with core's options (`queues`, `tries`, `timeout`, `sleep`, `once`,
    /// `stopWhenEmpty`, `maxJobs`, `maxTime`, `memory`, `concurrency`, `prefetch`, `rest`).
    #[napi(
        catch_unwind,
        constructor,
        ts_args_type = "client: Client, options?: WorkerOptions"
    )]
    pub fn new(
        env: &Env,
        client: &Client,
        options: Option<serde_json::Value>,
    ) -> napi::Result<Self> {
        crate::error::guard(|| {
            let value = crate::payload::whole_numbers(options.unwrap_or_default());
            let options =
                natskit::queue::WorkerOptions::from_host(value, natskit::Unit::Milliseconds);
            options
                .and_then(|o| {
                    natskit::runtime::enter(|| {
                        natskit::queue::Worker::new(client.core(), client.connection(), o)
                    })
                })
                .map(|w| WorkerLoop {
                    inner: Arc::new(w),
                    stop_reason: Arc::default(),
                })
                .map_err(|e| to_napi(env, &e))
        })
    }

    /// Jobs run at once.
    #[napi(catch_unwind, getter)]
    pub fn concurrency(&self) -> u32 {
        self.inner.options().concurrency.clamp(1, u32::MAX as usize) as u32
    }

    /// Milliseconds one `next()` waits at most: the `sleep` option, capped at a second so
    /// a stop request is noticed promptly (core's `step`).
    #[napi(catch_unwind, getter)]
    pub fn step_ms(&self) -> f64 {
        natskit::Unit::Milliseconds.float(self.inner.step())
    }

    /// The next job, waiting up to `waitMs`; null when idle or stopped (then `stopReason`
    /// says why: `requested`, `once`, `empty`, `max_jobs`, `max_time`, `memory`).
    #[napi(catch_unwind, ts_return_type = "Promise<Job | null>")]
    pub async fn next(&self, wait_ms: f64) -> Outcome<Option<Job>> {
        crate::runtime::unwinding(async move {
            let worker = self.inner.clone();
            Ok(match worker.next(millis(wait_ms)?).await? {
                natskit::queue::Step::Job(job) => Some(Job::new(job, Some(worker))),
                natskit::queue::Step::Idle => None,
                natskit::queue::Step::Stop(r) => {
                    let name = serde_json::to_value(r)?
                        .as_str()
                        .unwrap_or("requested")
                        .to_string();
                    *self.stop_reason.lock().unwrap() = Some(name);
                    None
                }
            })
        })
        .await
    }

    /// Why the worker stopped, once it has.
    #[napi(
        catch_unwind,
        getter,
        ts_return_type = "'requested' | 'once' | 'empty' | 'max_jobs' | 'max_time' | 'memory' | null"
    )]
    pub fn stop_reason(&self) -> Option<String> {
        self.stop_reason.lock().unwrap().clone()
    }

    /// Asks the worker to stop: running jobs finish, no new ones are taken.
    #[napi(catch_unwind)]
    pub fn stop(&self) -> napi::Result<()> {
        crate::error::guard(|| {
            self.inner.stop();
            Ok(())
        })
    }

    /// True once a stop was requested.
    #[napi(catch_unwind, getter)]
    pub fn is_stopping(&self) -> bool {
        self.inner.is_stopping()
    }

    /// The process's memory use in MB, checked against the `memory` option.
    #[napi(catch_unwind)]
    pub fn report_memory(&self, megabytes: f64) -> napi::Result<()> {
        crate::error::guard(|| {
            self.inner.report_memory(megabytes.max(0.0) as u64);
            Ok(())
        })
    }

    /// Counters so far.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> napi::Result<WorkerStats> {
        crate::error::guard(|| {
            let s = self.inner.stats();
            Ok(WorkerStats {
                jobs: s.jobs as f64,
                processed: s.processed as f64,
                retried: s.retried as f64,
                failed: s.failed as f64,
            })
        })
    }
}
