//! A job taken from a queue, and what finishing it does: the Laravel lifecycle
//! (tries, backoff, retry-until, max exceptions, timeout, release, fail).

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, AckKind};
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use super::envelope::{now, Envelope};
use super::failed::FailedJob;
use super::Queue;
use crate::error::{Error, ErrorCode, Result};
use crate::jetstream::error::from_nats;

/// How a handler's run ended; [`Job::finish`] turns it into the next state.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done: the job leaves the queue.
    Success,
    /// The handler deleted the job: it leaves the queue, not counted as failed.
    Delete,
    /// Put back, available again after the delay (counts as an attempt, not an exception).
    Release(Duration),
    /// The handler gave up: the job fails now, whatever tries remain.
    Fail(String),
    /// The handler raised an error: counts toward tries and max exceptions.
    Error {
        /// Exception class or kind (`ValueError`, `RuntimeException`).
        exception: String,
        /// Its message.
        message: String,
        /// Stack trace, if the host has one.
        trace: String,
    },
}

/// What happened to a finished job, for the host's hooks and logs. Serialized as
/// `{"event": "retrying", "hook": "released", "id": …, "delay": …, "message": …}`:
/// `event` says what happened, `hook` names the worker hook that hears of it.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    /// Completed and removed.
    Processed {
        /// Job id.
        id: String,
    },
    /// Deleted by the handler.
    Deleted {
        /// Job id.
        id: String,
    },
    /// Released by the handler; back after `delay` seconds.
    Released {
        /// Job id.
        id: String,
        /// Seconds until it is available again.
        delay: f64,
    },
    /// Raised an error and will be retried after `delay` seconds (the backoff).
    Retrying {
        /// Job id.
        id: String,
        /// Seconds until the retry.
        delay: f64,
        /// The error's message.
        message: String,
    },
    /// Failed for good: stored in the failed-jobs store (and sent to the dead-letter subject).
    Failed {
        /// Job id.
        id: String,
        /// Why it failed.
        reason: String,
    },
}

impl JobEvent {
    /// What happened: `processed`, `deleted`, `released`, `retrying` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            JobEvent::Processed { .. } => "processed",
            JobEvent::Deleted { .. } => "deleted",
            JobEvent::Released { .. } => "released",
            JobEvent::Retrying { .. } => "retrying",
            JobEvent::Failed { .. } => "failed",
        }
    }

    /// The worker hook that hears of it: deletes go to `processed`, retries to `released`.
    pub fn hook(&self) -> WorkerHook {
        match self {
            JobEvent::Processed { .. } | JobEvent::Deleted { .. } => WorkerHook::Processed,
            JobEvent::Released { .. } | JobEvent::Retrying { .. } => WorkerHook::Released,
            JobEvent::Failed { .. } => WorkerHook::Failed,
        }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        match self {
            JobEvent::Processed { id }
            | JobEvent::Deleted { id }
            | JobEvent::Released { id, .. }
            | JobEvent::Retrying { id, .. }
            | JobEvent::Failed { id, .. } => id,
        }
    }
}

impl Serialize for JobEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            event: &'static str,
            hook: WorkerHook,
            id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            delay: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<&'a str>,
        }
        let (delay, message, reason) = match self {
            JobEvent::Released { delay, .. } => (Some(*delay), None, None),
            JobEvent::Retrying { delay, message, .. } => {
                (Some(*delay), Some(message.as_str()), None)
            }
            JobEvent::Failed { reason, .. } => (None, None, Some(reason.as_str())),
            _ => (None, None, None),
        };
        Shape {
            event: self.name(),
            hook: self.hook(),
            id: self.id(),
            delay,
            message,
            reason,
        }
        .serialize(s)
    }
}

/// The hooks a host's worker offers, one set for every host. A host fires `processing`
/// before a handler runs and `exception` when it raises; the others follow
/// [`JobEvent::hook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerHook {
    /// Before a handler runs.
    Processing,
    /// The job completed or was deleted.
    Processed,
    /// The job was released, or put back for a retry after an error.
    Released,
    /// The handler raised (the job is retried or failed after it).
    Exception,
    /// The job failed for good.
    Failed,
}

impl WorkerHook {
    /// Every hook, in the order they can fire.
    pub const ALL: [WorkerHook; 5] = [
        WorkerHook::Processing,
        WorkerHook::Processed,
        WorkerHook::Released,
        WorkerHook::Exception,
        WorkerHook::Failed,
    ];

    /// The hook's name (`"released"`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerHook::Processing => "processing",
            WorkerHook::Processed => "processed",
            WorkerHook::Released => "released",
            WorkerHook::Exception => "exception",
            WorkerHook::Failed => "failed",
        }
    }

    /// The hook named `name`; `INVALID_ARGUMENT` naming the hooks (and where event names
    /// such as `retrying` and `deleted` are heard) otherwise.
    pub fn parse(name: &str) -> Result<WorkerHook> {
        WorkerHook::ALL
            .into_iter()
            .find(|h| h.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = WorkerHook::ALL.iter().map(|h| h.as_str()).collect();
                Error::new(
                    ErrorCode::InvalidArgument,
                    format!(
                        "unknown worker hook {name:?}: the hooks are {} (`processed` hears \
                         `deleted` events, `released` hears `retrying` events)",
                        names.join(", ")
                    ),
                )
            })
    }
}

/// A job taken from a queue. Finish it with [`Job::finish`]; while it is held a heartbeat
/// keeps it reserved, and if the worker dies it is redelivered after `retry_after`.
#[derive(Debug)]
pub struct Job {
    queue: Queue,
    msg: Option<jetstream::Message>,
    env: Envelope,
    attempts: u32,
    started: Instant,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
    invalid: Option<String>,
    /// The `job run` span: open from the take to the finish (disabled without a subscriber).
    span: tracing::Span,
    /// When the stream stored this copy: since then it waited to be handed out.
    ready_at: Option<time::OffsetDateTime>,
}

impl Job {
    /// The job in `msg`; a message that is not a job goes to the failed store instead
    /// (it can never succeed) and comes back as a `SERIALIZATION` error.
    pub(crate) async fn from_message(queue: Queue, msg: jetstream::Message) -> Result<Job> {
        let mut job = Job::from_message_or_invalid(queue, msg)?;
        match job.invalid.take() {
            None => Ok(job),
            Some(reason) => {
                job.fail_now("InvalidPayload", &reason).await?;
                let event = JobEvent::Failed {
                    id: job.id().to_string(),
                    reason: reason.clone(),
                };
                job.record(&event, None);
                Err(Error::new(ErrorCode::Serialization, reason))
            }
        }
    }

    /// Like `from_message`, but a message that is not a job envelope becomes a job marked
    /// [`Job::invalid`] (its raw text as payload) for the host's own worker to fail.
    pub(crate) fn from_message_or_invalid(queue: Queue, msg: jetstream::Message) -> Result<Job> {
        let delivered = msg.info().map(|i| i.delivered.max(1) as u32).unwrap_or(1);
        match Envelope::from_slice(&msg.payload) {
            Ok(env) => {
                let attempts = env.attempts + delivered;
                Ok(Job::new(queue, msg, env, attempts))
            }
            Err(e) => {
                let raw = String::from_utf8_lossy(&msg.payload).to_string();
                let mut env = Envelope::new(
                    queue.name(),
                    "invalid",
                    Value::String(raw),
                    &Default::default(),
                )?;
                env.uuid = format!("invalid-{}", nuid::next());
                env.max_tries = Some(1);
                let mut job = Job::new(queue, msg, env, delivered);
                job.invalid = Some(format!(
                    "the message on queue {} is not a job: {}",
                    job.queue.name(),
                    e.message()
                ));
                Ok(job)
            }
        }
    }

    fn new(queue: Queue, msg: jetstream::Message, env: Envelope, attempts: u32) -> Job {
        let heartbeat = spawn_heartbeat(&queue, &msg);
        let span = tracing::info_span!(
            "job run",
            messaging.system = "nats",
            messaging.operation.type = "process",
            messaging.destination.name = queue.name(),
            messaging.message.id = env.uuid.as_str(),
            natskit.job.name = env.job.as_str(),
            natskit.job.attempt = attempts,
            natskit.job.event = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            parent_span_id = tracing::field::Empty,
        );
        crate::trace::record(&span, || env.trace_context());
        let ready_at = msg.info().ok().map(|info| info.published);
        Job {
            span,
            queue,
            msg: Some(msg),
            env,
            attempts,
            started: Instant::now(),
            heartbeat,
            invalid: None,
            ready_at,
        }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.env.uuid
    }

    /// Why this message is not a job, when it is not (see `Queue` prefetch pops).
    pub fn invalid(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// The job's name (handler key).
    pub fn name(&self) -> &str {
        &self.env.job
    }

    /// The payload.
    pub fn payload(&self) -> &Value {
        &self.env.data
    }

    /// This attempt's number (1 on the first run; redeliveries after a crash count too).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The trace context the job was pushed with, if any (see [`Envelope::trace_context`]).
    pub fn trace_context(&self) -> Option<crate::TraceContext> {
        self.env.trace_context()
    }

    /// The queue it came from.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// The whole envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.env
    }

    /// How long this run has taken so far.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Starts the run's clock when the job is handed out (it may have waited in a buffer).
    pub(crate) fn begin(&mut self) {
        self.started = Instant::now();
        self.handed_out();
    }

    /// Counts the time this job waited ready, now that a worker or a host has it.
    pub(crate) fn handed_out(&self) {
        if let Some(ready_at) = self.ready_at {
            let waited = time::OffsetDateTime::now_utc() - ready_at;
            let waited = Duration::try_from(waited).unwrap_or_default();
            let recorder = self.queue.client().recorder();
            recorder.started(self.queue.name(), self.name(), waited);
        }
    }

    /// Attempts allowed: the job's own, else `default_tries`, else the connection's (0 = unlimited).
    pub fn max_tries(&self, default_tries: Option<u32>) -> u32 {
        self.env
            .max_tries
            .or(default_tries)
            .unwrap_or(self.queue.settings().tries)
    }

    /// Why this job must fail before it runs (too many attempts, past retry-until), if it must.
    pub fn expired(&self, default_tries: Option<u32>) -> Option<String> {
        if let Some(until) = self.env.retry_until {
            return (now() >= until)
                .then(|| format!("{} has passed its retry-until time", self.name()));
        }
        let max = self.max_tries(default_tries);
        (max > 0 && self.attempts > max).then(|| {
            format!(
                "{} has been attempted too many times ({} of {max})",
                self.name(),
                self.attempts
            )
        })
    }

    /// Applies `outcome`: acknowledges, retries with backoff, releases or fails the job.
    /// `default_tries` and `default_timeout` are the worker's (used when the job sets none).
    pub async fn finish(
        self,
        outcome: Outcome,
        default_tries: Option<u32>,
        default_timeout: Option<Duration>,
    ) -> Result<JobEvent> {
        let span = self.span.clone();
        let ran = self.elapsed();
        let (queue, job) = (self.queue.clone(), self.env.job.clone());
        let event = self
            .apply(outcome, default_tries, default_timeout)
            .instrument(span.clone())
            .await;
        if let Ok(e) = &event {
            span.record("natskit.job.event", e.name());
            queue
                .client()
                .recorder()
                .finished(queue.name(), &job, e, Some(ran));
        }
        event
    }

    /// Counts `event` in the connection's metrics (`ran`: the run time, when it ran).
    fn record(&self, event: &JobEvent, ran: Option<Duration>) {
        let recorder = self.queue.client().recorder();
        recorder.finished(self.queue.name(), self.name(), event, ran);
    }

    /// [`Job::finish`] without its span and metrics.
    async fn apply(
        mut self,
        outcome: Outcome,
        default_tries: Option<u32>,
        default_timeout: Option<Duration>,
    ) -> Result<JobEvent> {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        let timeout = self
            .env
            .timeout
            .map(crate::duration::saturating_seconds)
            .or(default_timeout);
        let outcome = match (outcome, timeout) {
            (Outcome::Success | Outcome::Error { .. }, Some(t))
                if !t.is_zero() && self.elapsed() > t =>
            {
                Outcome::Error {
                    exception: "TimeoutExceeded".into(),
                    message: format!(
                        "{} ran {:.1} s, longer than its timeout of {:.1} s",
                        self.name(),
                        self.elapsed().as_secs_f64(),
                        t.as_secs_f64()
                    ),
                    trace: String::new(),
                }
            }
            (o, _) => o,
        };
        let id = self.id().to_string();
        match outcome {
            Outcome::Success => {
                self.done().await?;
                Ok(JobEvent::Processed { id })
            }
            Outcome::Delete => {
                self.done().await?;
                Ok(JobEvent::Deleted { id })
            }
            Outcome::Release(delay) => {
                self.requeue(delay).await?;
                Ok(JobEvent::Released {
                    id,
                    delay: delay.as_secs_f64(),
                })
            }
            Outcome::Fail(reason) => {
                self.fail_now("JobFailed", &reason).await?;
                Ok(JobEvent::Failed { id, reason })
            }
            Outcome::Error {
                exception,
                message,
                trace,
            } => {
                self.env.exceptions += 1;
                if let Some(reason) = self.exhausted(default_tries) {
                    let reason = format!("{reason}; last error: {message}");
                    self.fail_with(&exception, &message, &trace).await?;
                    return Ok(JobEvent::Failed { id, reason });
                }
                let delay = self
                    .env
                    .backoff
                    .as_ref()
                    .map(|b| b.delay(self.attempts))
                    .unwrap_or_default();
                self.requeue(delay).await?;
                Ok(JobEvent::Retrying {
                    id,
                    delay: delay.as_secs_f64(),
                    message,
                })
            }
        }
    }

    /// Why no retry remains after an error, if none does.
    fn exhausted(&self, default_tries: Option<u32>) -> Option<String> {
        if let Some(max) = self.env.max_exceptions.filter(|m| *m > 0) {
            if self.env.exceptions >= max {
                return Some(format!(
                    "{} raised {} exceptions (max {max})",
                    self.name(),
                    self.env.exceptions
                ));
            }
        }
        if let Some(until) = self.env.retry_until {
            return (now() >= until)
                .then(|| format!("{} has passed its retry-until time", self.name()));
        }
        let max = self.max_tries(default_tries);
        (max > 0 && self.attempts >= max).then(|| {
            let times = if self.attempts == 1 { "time" } else { "times" };
            format!(
                "{} has been attempted {} {times} (max {max})",
                self.name(),
                self.attempts
            )
        })
    }

    /// Fails the job before running it (see [`Job::expired`]).
    pub(crate) async fn fail_expired(mut self, reason: &str) -> Result<JobEvent> {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        self.fail_now("MaxAttemptsExceeded", reason).await?;
        let event = JobEvent::Failed {
            id: self.id().to_string(),
            reason: reason.to_string(),
        };
        self.record(&event, None);
        Ok(event)
    }

    /// Puts a job that was taken but never run back at the front, without counting
    /// the attempt (a worker stopping with jobs still buffered).
    pub async fn unreserve(mut self) -> Result<()> {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        if self.invalid.is_some() {
            // Not a job: hand the raw message back as it is.
            if let Some(msg) = self.msg.take() {
                msg.ack_with(AckKind::Nak(None))
                    .await
                    .map_err(|e| from_nats(&*e, "nak"))?;
            }
            return Ok(());
        }
        self.attempts = self.attempts.saturating_sub(1);
        // The copy's id names this delivery: unreserving the same attempt twice within the
        // stream's duplicate window must store two copies, while a retried store stays one.
        let seq = self
            .msg
            .as_ref()
            .and_then(|m| m.info().ok())
            .map(|i| i.stream_sequence);
        let msg_id = format!("{}-{}-u{}", self.env.uuid, self.attempts, seq.unwrap_or(0));
        self.requeue_as(Duration::ZERO, &msg_id).await
    }

    async fn done(&mut self) -> Result<()> {
        self.ack().await?;
        self.unlock().await
    }

    /// Queues the next copy (durable first), then acknowledges this one.
    async fn requeue(&mut self, delay: Duration) -> Result<()> {
        let msg_id = format!("{}-{}", self.env.uuid, self.attempts);
        self.requeue_as(delay, &msg_id).await
    }

    /// Queues the next copy with stream message id `msg_id`, then acknowledges this one.
    async fn requeue_as(&mut self, delay: Duration, msg_id: &str) -> Result<()> {
        self.env.attempts = self.attempts;
        self.queue.enqueue(&self.env, delay, msg_id).await?;
        self.ack().await
    }

    async fn fail_now(&mut self, exception: &str, message: &str) -> Result<()> {
        self.fail_with(exception, message, "").await
    }

    /// Stores the failure (and publishes it to the dead-letter subject), then acknowledges.
    async fn fail_with(&mut self, exception: &str, message: &str, trace: &str) -> Result<()> {
        self.env.attempts = self.attempts;
        let failed = FailedJob {
            id: self.env.uuid.clone(),
            connection: self.queue.connection_name().to_string(),
            queue: self.queue.name().to_string(),
            payload: serde_json::to_value(&self.env)?,
            exception: exception.to_string(),
            message: message.to_string(),
            trace: trace.to_string(),
            failed_at: now(),
        };
        let dead_letter = self.queue.settings().dead_letter_subject.as_deref();
        self.queue
            .failed()
            .report(failed, true, dead_letter)
            .await?;
        self.ack().await?;
        self.unlock().await
    }

    async fn ack(&mut self) -> Result<()> {
        if let Some(msg) = self.msg.take() {
            msg.ack_with(AckKind::Ack)
                .await
                .map_err(|e| from_nats(&*e, "ack"))?;
        }
        Ok(())
    }

    async fn unlock(&self) -> Result<()> {
        match &self.env.unique_key {
            Some(key) => self.queue.unlock_unique(key).await,
            None => Ok(()),
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
    }
}

/// Keeps the job reserved while its handler runs: an in-progress ack every third of
/// `retry_after`. Stops when the job is finished or dropped.
fn spawn_heartbeat(queue: &Queue, msg: &jetstream::Message) -> Option<tokio::task::JoinHandle<()>> {
    let reply = msg.reply.clone()?;
    let every = queue
        .settings()
        .retry_after()
        .map(|d| d / 3)
        .unwrap_or(Duration::from_secs(20))
        .max(Duration::from_millis(50));
    let client = queue.client().clone();
    Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if client.publish(reply.as_str(), "+WPI").await.is_err() {
                return;
            }
        }
    }))
}
