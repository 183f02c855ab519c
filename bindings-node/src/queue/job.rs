//! A job taken from a queue (by `pop()` or a worker) and the ways to finish it.

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::error::Outcome;

/// What finishing a job did.
#[napi(object)]
pub struct JobEvent {
    /// `processed`, `deleted`, `released`, `retrying` (after an error) or `failed`.
    #[napi(ts_type = "'processed' | 'deleted' | 'released' | 'retrying' | 'failed'")]
    pub event: String,
    /// The job id.
    pub id: String,
    /// `released` / `retrying`: milliseconds until the job is available again.
    pub delay: Option<f64>,
    /// `retrying`: the error's message.
    pub message: Option<String>,
    /// `failed`: why the job failed.
    pub reason: Option<String>,
}

impl From<natskit::queue::JobEvent> for JobEvent {
    fn from(e: natskit::queue::JobEvent) -> Self {
        use natskit::queue::JobEvent as E;
        let (event, id, delay, message, reason) = match e {
            E::Processed { id } => ("processed", id, None, None, None),
            E::Deleted { id } => ("deleted", id, None, None, None),
            E::Released { id, delay } => ("released", id, Some(delay * 1000.0), None, None),
            E::Retrying { id, delay, message } => {
                ("retrying", id, Some(delay * 1000.0), Some(message), None)
            }
            E::Failed { id, reason } => ("failed", id, None, None, Some(reason)),
        };
        JobEvent {
            event: event.into(),
            id,
            delay,
            message,
            reason,
        }
    }
}

/// The job itself, until it is finished; finishing goes through the worker when it has one
/// (its tries, timeout, counters and rest).
struct Held {
    job: Mutex<Option<natskit::queue::Job>>,
    worker: Option<Arc<natskit::queue::Worker>>,
}

impl Held {
    async fn finish(&self, outcome: natskit::queue::Outcome) -> natskit::Result<JobEvent> {
        let job = self.job.lock().await.take().ok_or_else(|| {
            natskit::Error::new(natskit::ErrorCode::Queue, "the job is already finished")
        })?;
        let event = match &self.worker {
            Some(w) => w.finish(job, outcome).await?,
            None => job.finish(outcome, None, None).await?,
        };
        Ok(event.into())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let job = self.job.get_mut().take();
        natskit::runtime::enter(|| drop(job));
    }
}

/// A reserved job. While it is held a heartbeat keeps it reserved; finish it once with
/// `complete()`, `delete()`, `release(delay)`, `fail(reason)` or `error(...)`. An unfinished
/// job whose process ends is redelivered after the queue's `retry_after`.
#[napi]
pub struct Job {
    held: Arc<Held>,
    id: String,
    name: String,
    queue: String,
    payload: serde_json::Value,
    attempts: u32,
    max_tries: u32,
    timeout: Option<f64>,
}

impl Job {
    pub(crate) fn new(
        job: natskit::queue::Job,
        worker: Option<Arc<natskit::queue::Worker>>,
    ) -> Job {
        let default_tries = worker.as_ref().and_then(|w| w.options().tries);
        let worker_timeout = worker.as_ref().and_then(|w| w.options().timeout);
        Job {
            id: job.id().to_string(),
            name: job.name().to_string(),
            queue: job.queue().name().to_string(),
            payload: job.payload().clone(),
            attempts: job.attempts(),
            max_tries: job.max_tries(default_tries),
            timeout: job
                .envelope()
                .timeout
                .or(worker_timeout)
                .filter(|t| *t > 0.0)
                .map(|seconds| seconds * 1000.0),
            held: Arc::new(Held {
                job: Mutex::new(Some(job)),
                worker,
            }),
        }
    }

    async fn finish(&self, outcome: natskit::Result<natskit::queue::Outcome>) -> Outcome<JobEvent> {
        let held = self.held.clone();
        Outcome(
            async move {
                let outcome = outcome?;
                held.finish(outcome).await
            }
            .await,
        )
    }
}

#[napi]
impl Job {
    /// The job id (the same in every host).
    #[napi(catch_unwind, getter)]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The job's name, which picks its handler.
    #[napi(catch_unwind, getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The queue it came from.
    #[napi(catch_unwind, getter)]
    pub fn queue(&self) -> String {
        self.queue.clone()
    }

    /// The payload as pushed.
    #[napi(catch_unwind, getter, ts_return_type = "any")]
    pub fn payload(&self) -> serde_json::Value {
        self.payload.clone()
    }

    /// This attempt's number, from 1 (redeliveries after a crash count too).
    #[napi(catch_unwind, getter)]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Attempts allowed (0 = unlimited).
    #[napi(catch_unwind, getter)]
    pub fn max_tries(&self) -> u32 {
        self.max_tries
    }

    /// Milliseconds this run may take (the job's, else the worker's), if limited.
    #[napi(catch_unwind, getter)]
    pub fn timeout(&self) -> Option<f64> {
        self.timeout
    }

    /// True once the job was finished.
    #[napi(catch_unwind, getter)]
    pub fn is_finished(&self) -> bool {
        self.held
            .job
            .try_lock()
            .map(|j| j.is_none())
            .unwrap_or(true)
    }

    /// Done: the job leaves the queue.
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn complete(&self) -> Outcome<JobEvent> {
        self.finish(Ok(natskit::queue::Outcome::Success)).await
    }

    /// Removes the job without running it further (not counted as failed).
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn delete(&self) -> Outcome<JobEvent> {
        self.finish(Ok(natskit::queue::Outcome::Delete)).await
    }

    /// Puts the job back, available again after `delayMs` (default 0); counts as an
    /// attempt, not as an exception.
    #[napi(catch_unwind, ts_return_type = "Promise<JobEvent>")]
    pub async fn release(&self, delay_ms: Option<f64>) -> Outcome<JobEvent> {
        let delay = natskit::Unit::Milliseconds.duration(delay_ms.unwrap_or(0.0), "delayMs");
        self.finish(delay.map(natskit::queue::Outcome::Release))
            .await
    }

    /// Fails the job now, whatever tries remain: it goes to the failed-jobs store (and the
    /// dead-letter subject).
    #[napi(
        catch_unwind,
        ts_args_type = "reason?: string | Error",
        ts_return_type = "Promise<JobEvent>"
    )]
    pub async fn fail(&self, reason: Option<String>) -> Outcome<JobEvent> {
        let reason = reason.unwrap_or_else(|| format!("{} was failed by its handler", self.name));
        self.finish(Ok(natskit::queue::Outcome::Fail(reason))).await
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
    ) -> Outcome<JobEvent> {
        self.finish(Ok(natskit::queue::Outcome::Error {
            exception,
            message,
            trace: trace.unwrap_or_default(),
        }))
        .await
    }
}
