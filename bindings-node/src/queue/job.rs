//! A job taken from a queue (by `pop()` or a worker): core's job handle, finished once.

use std::sync::Arc;

use natskit::queue::{JobHandle, Outcome as Finish};

use crate::error::Outcome;
use crate::payload::in_ms;

/// A reserved job. While it is held a heartbeat keeps it reserved; finish it once with
/// `complete()`, `delete()`, `release(delay)`, `fail(reason)` or `error(...)` (a second
/// finish rejects with `QUEUE`). An unfinished job whose process ends is redelivered after
/// the queue's `retry_after`.
#[napi]
pub struct Job {
    handle: Arc<JobHandle>,
}

impl Job {
    pub(crate) fn new(
        job: natskit::queue::Job,
        worker: Option<Arc<natskit::queue::Worker>>,
    ) -> Job {
        Job {
            handle: Arc::new(JobHandle::new(job, worker)),
        }
    }
}

#[napi]
impl Job {
    /// The job id (the same in every host).
    #[napi(catch_unwind, getter)]
    pub fn id(&self) -> String {
        self.handle.id().to_string()
    }

    /// The job's name, which picks its handler.
    #[napi(catch_unwind, getter)]
    pub fn name(&self) -> String {
        self.handle.name().to_string()
    }

    /// The queue it came from.
    #[napi(catch_unwind, getter)]
    pub fn queue(&self) -> String {
        self.handle.queue().to_string()
    }

    /// The payload as pushed.
    #[napi(catch_unwind, getter, ts_return_type = "any")]
    pub fn payload(&self) -> serde_json::Value {
        self.handle.payload().clone()
    }

    /// This attempt's number, from 1 (redeliveries after a crash count too).
    #[napi(catch_unwind, getter)]
    pub fn attempts(&self) -> u32 {
        self.handle.attempts()
    }

    /// Attempts allowed (0 = unlimited).
    #[napi(catch_unwind, getter)]
    pub fn max_tries(&self) -> u32 {
        self.handle.max_tries()
    }

    /// Milliseconds this run may take (the job's, else the worker's), if limited.
    #[napi(catch_unwind, getter)]
    pub fn timeout(&self) -> Option<f64> {
        let ms = natskit::Unit::Milliseconds;
        self.handle
            .timeout()
            .map(|seconds| ms.from_seconds(seconds))
    }

    /// The W3C trace context the job was pushed with (as `Message.traceContext`), or `null`.
    #[napi(catch_unwind, getter, ts_return_type = "TraceContext | null")]
    pub fn trace_context(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.handle.trace_context()?).ok()
    }

    /// True once the job was finished.
    #[napi(catch_unwind, getter)]
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Done: the job leaves the queue.
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn complete(&self) -> Outcome<serde_json::Value> {
        self.finish(async { Ok(Finish::Success) }).await
    }

    /// Removes the job without running it further (not counted as failed).
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn delete(&self) -> Outcome<serde_json::Value> {
        self.finish(async { Ok(Finish::Delete) }).await
    }

    /// Puts the job back, available again after `delayMs` (default 0); counts as an
    /// attempt, not as an exception.
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn release(&self, delay_ms: Option<f64>) -> Outcome<serde_json::Value> {
        self.finish(async move {
            let delay = natskit::Unit::Milliseconds.duration(delay_ms.unwrap_or(0.0), "delayMs")?;
            Ok(Finish::Release(delay))
        })
        .await
    }

    /// Fails the job now, whatever tries remain: it goes to the failed-jobs store (and the
    /// dead-letter subject).
    #[napi(
        catch_unwind,
        ts_args_type = "reason?: string | Error",
        ts_return_type = "Promise<JobEvent>"
    )]
    pub async fn fail(&self, reason: Option<String>) -> Outcome<serde_json::Value> {
        self.finish(async {
            let name = self.handle.name();
            Ok(Finish::Fail(reason.unwrap_or_else(|| {
                format!("{name} was failed by its handler")
            })))
        })
        .await
    }

    /// Finishes the run as a raised error (what a worker does when a handler throws):
    /// it counts toward tries and max exceptions and the job is retried after its backoff
    /// or failed.
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn error(
        &self,
        exception: String,
        message: String,
        trace: Option<String>,
    ) -> Outcome<serde_json::Value> {
        self.finish(async { Ok(error(exception, message, trace)) })
            .await
    }

    /// What a worker calls when the handler returned: the event of the handler's own finish,
    /// else finishes the job (as an error when `exception` is given, else as done).
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn settle(
        &self,
        exception: Option<String>,
        message: Option<String>,
        trace: Option<String>,
    ) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move {
            let outcome = match exception {
                Some(exception) => error(exception, message.unwrap_or_default(), trace),
                None => Finish::Success,
            };
            in_ms(self.handle.settle(outcome).await?)
        })
        .await
    }
}

impl Job {
    /// Finishes the job with `outcome` (once it is known) and resolves with the event.
    async fn finish(
        &self,
        outcome: impl std::future::Future<Output = natskit::Result<Finish>>,
    ) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move { in_ms(self.handle.finish(outcome.await?).await?) })
            .await
    }
}

fn error(exception: String, message: String, trace: Option<String>) -> Finish {
    Finish::Error {
        exception,
        message,
        trace: trace.unwrap_or_default(),
    }
}
