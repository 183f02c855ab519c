//! The job as a host holds it: its facts, taken once to be finished, directly or through
//! the worker it came from. Every host wraps this one type, so a job finished twice fails
//! the same way everywhere (`QUEUE`).

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Mutex;

use super::envelope::Envelope;
use super::job::{Job, JobEvent, Outcome};
use super::worker::Worker;
use crate::error::{Error, ErrorCode, Result};

// A job is held by value: boxing it would cost an allocation per job for nothing.
#[allow(clippy::large_enum_variant)]
enum State {
    /// Reserved, not finished yet.
    Held(Job),
    /// Finished: what came of it.
    Finished(JobEvent),
    /// Taken to be finished, and the finish failed.
    Lost,
}

/// A reserved job held by a host. Finish it once with [`JobHandle::finish`]; a job from a
/// worker is finished through the worker (its tries, timeout, counters and rest).
pub struct JobHandle {
    state: Mutex<State>,
    worker: Option<Arc<Worker>>,
    envelope: Envelope,
    queue: String,
    attempts: u32,
    max_tries: u32,
    timeout: Option<f64>,
    invalid: Option<String>,
}

impl std::fmt::Debug for JobHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl JobHandle {
    /// Holds `job`, taken from a queue (`worker: None`) or from `worker`.
    pub fn new(job: Job, worker: Option<Arc<Worker>>) -> JobHandle {
        let options = worker.as_ref().map(|w| w.options());
        let default_tries = options.and_then(|o| o.tries);
        let timeout = job
            .envelope()
            .timeout
            .or(options.and_then(|o| o.timeout))
            .filter(|t| *t > 0.0);
        JobHandle {
            envelope: job.envelope().clone(),
            queue: job.queue().name().to_string(),
            attempts: job.attempts(),
            max_tries: job.max_tries(default_tries),
            timeout,
            invalid: job.invalid().map(str::to_string),
            state: Mutex::new(State::Held(job)),
            worker,
        }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.envelope.uuid
    }

    /// The job's name (its handler key).
    pub fn name(&self) -> &str {
        &self.envelope.job
    }

    /// The queue it came from.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The payload.
    pub fn payload(&self) -> &Value {
        &self.envelope.data
    }

    /// The whole envelope as stored.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The trace context the job was pushed with, if any.
    pub fn trace_context(&self) -> Option<crate::TraceContext> {
        self.envelope.trace_context()
    }

    /// This attempt's number, from 1.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Attempts allowed (0 = unlimited): the job's, else the worker's, else the connection's.
    pub fn max_tries(&self) -> u32 {
        self.max_tries
    }

    /// Seconds this run may take (the job's, else the worker's), if limited.
    pub fn timeout(&self) -> Option<f64> {
        self.timeout
    }

    /// Why the message taken is not a job, when it is not (prefetch pops).
    pub fn invalid(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// True once the job was taken to be finished (a finish may still be under way).
    pub fn is_finished(&self) -> bool {
        self.state
            .try_lock()
            .map(|s| !matches!(*s, State::Held(_)))
            .unwrap_or(true)
    }

    /// What finishing did, once it has.
    pub fn event(&self) -> Option<JobEvent> {
        match &*self.state.try_lock().ok()? {
            State::Finished(e) => Some(e.clone()),
            _ => None,
        }
    }

    /// Finishes the job with `outcome` (through its worker, when it has one). A job is
    /// finished once: a second finish is a `QUEUE` error.
    pub async fn finish(&self, outcome: Outcome) -> Result<JobEvent> {
        let mut state = self.state.lock().await;
        match std::mem::replace(&mut *state, State::Lost) {
            State::Held(job) => {
                let event = match &self.worker {
                    Some(w) => w.finish(job, outcome).await?,
                    None => job.finish(outcome, None, None).await?,
                };
                *state = State::Finished(event.clone());
                Ok(event)
            }
            done => {
                *state = done;
                Err(self.already_finished())
            }
        }
    }

    /// What a worker loop calls when the handler returned: the event of the handler's own
    /// finish if it finished the job (waiting for it to end), else finishes with `outcome`.
    pub async fn settle(&self, outcome: Outcome) -> Result<JobEvent> {
        if let State::Finished(e) = &*self.state.lock().await {
            return Ok(e.clone());
        }
        self.finish(outcome).await
    }

    fn already_finished(&self) -> Error {
        Error::new(
            ErrorCode::Queue,
            format!(
                "job {} ({}) is already finished: a job is finished once (complete, delete, \
                 release, fail or error)",
                self.id(),
                self.name()
            ),
        )
    }
}

impl Drop for JobHandle {
    fn drop(&mut self) {
        let state = std::mem::replace(self.state.get_mut(), State::Lost);
        crate::runtime::enter(|| drop(state));
    }
}
