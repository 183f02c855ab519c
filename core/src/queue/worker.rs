//! The worker runtime: which job to take next (queue priority, limits, graceful stop)
//! and how to finish it. Hosts drive it in their own loop with their own handlers:
//!
//! ```text
//! loop { match worker.next(wait) { Job(j) => worker.finish(j, run(handler, j)), Idle => {}, Stop(_) => break } }
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::adaptive::{Adaptive, Held};
use super::job::{Job, JobEvent, Outcome};
use super::Queue;
use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};

/// Worker options, with the seed's (`queue:work`) names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerOptions {
    /// Queues in priority order: `high` is always emptied before `default`.
    pub queues: Vec<String>,
    /// Tries for jobs that set none (`None`: the connection's `queue.tries`).
    pub tries: Option<u32>,
    /// Seconds a job may run (for jobs that set none); past it the run counts as a failed attempt.
    pub timeout: Option<f64>,
    /// Seconds to wait for a job when the queues are empty.
    pub sleep: f64,
    /// Work one job, then stop.
    pub once: bool,
    /// Stop when the queues are empty.
    #[serde(alias = "stopWhenEmpty")]
    pub stop_when_empty: bool,
    /// Stop after this many jobs (0 = no limit).
    #[serde(alias = "maxJobs")]
    pub max_jobs: u64,
    /// Stop after this many seconds (0 = no limit).
    #[serde(alias = "maxTime")]
    pub max_time: f64,
    /// Stop when the host reports more memory than this, MB (0 = no limit). Checked from the
    /// second step on, as Laravel does: a worker that starts above the limit still works one
    /// job (or waits once) first, so a supervisor restarting it makes progress.
    pub memory: u64,
    /// Jobs run at once (host threads or tasks; 1 for PHP).
    pub concurrency: usize,
    /// Jobs taken per pull; 0 (the default) adapts: from `concurrency` up to 64 while jobs
    /// are short and pulls come back full, and held jobs go back to the queue when the
    /// worker makes no progress for 0.1 s (see the queue README). A number takes exactly
    /// that many a pull and keeps them, reserved by heartbeat, until they run.
    pub prefetch: usize,
    /// Seconds to rest after each job.
    pub rest: f64,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            queues: vec!["default".into()],
            tries: None,
            timeout: None,
            sleep: 3.0,
            once: false,
            stop_when_empty: false,
            max_jobs: 0,
            max_time: 0.0,
            memory: 0,
            concurrency: 1,
            prefetch: 0,
            rest: 0.0,
        }
    }
}

impl WorkerOptions {
    /// Reads a host's options object, durations in the host's `unit` (`null` means defaults).
    pub fn from_host(value: serde_json::Value, unit: crate::Unit) -> Result<Self> {
        if value.is_null() {
            return Ok(WorkerOptions::default());
        }
        let value = crate::units::Object::WorkerOptions.from_host(value, unit)?;
        serde_json::from_value(value)
            .map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("worker options: {e}")))
    }

    /// Reads options from JSON text (`null` or empty means defaults).
    pub fn from_json(text: Option<&str>) -> Result<Self> {
        match text
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "null")
        {
            None => Ok(WorkerOptions::default()),
            Some(t) => serde_json::from_str(t).map_err(|e| {
                Error::new(ErrorCode::InvalidArgument, format!("worker options: {e}"))
            }),
        }
    }
}

/// Why a worker stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `stop()` was called (SIGTERM/SIGINT in the hosts).
    Requested,
    /// `once` and one job was worked.
    Once,
    /// `stop_when_empty` and no job was waiting.
    Empty,
    /// `max_jobs` reached.
    MaxJobs,
    /// `max_time` reached.
    MaxTime,
    /// The host reported more memory than `memory`.
    Memory,
}

/// The next step of a worker loop.
// One step per job: boxing the job would cost an allocation per job for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step {
    /// Run this job's handler, then call [`Worker::finish`].
    Job(Job),
    /// No job within the wait; check signals and ask again.
    Idle,
    /// Leave the loop.
    Stop(StopReason),
}

/// Counters of a worker's run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WorkerStats {
    /// Jobs finished (any outcome).
    pub jobs: u64,
    /// Jobs completed or deleted.
    pub processed: u64,
    /// Jobs released or retried.
    pub retried: u64,
    /// Jobs failed for good.
    pub failed: u64,
}

/// How many times in a row a `stop_when_empty` worker pulls again when a pull came back
/// empty while its queues still count ready jobs.
const MAX_RECOUNTS: u32 = 100;

/// A worker over one or more queues. Share it (`Arc`) between host threads for concurrency.
#[derive(Debug)]
pub struct Worker {
    queues: Vec<Queue>,
    options: WorkerOptions,
    /// Jobs fetched in one pull beyond the one handed out.
    buffered: Held,
    /// The pull size when `prefetch` is 0.
    adaptive: Adaptive,
    started: Instant,
    stop: AtomicBool,
    taken: AtomicU64,
    /// Set once `next` has handed out a job or waited idle.
    stepped: AtomicBool,
    memory_mb: AtomicU64,
    processed: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
}

impl Worker {
    /// A worker on `client` with `options`; `connection` is recorded in failed jobs.
    pub fn new(client: &Client, connection: &str, options: WorkerOptions) -> Result<Worker> {
        if options.queues.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "worker: name at least one queue",
            ));
        }
        for (key, v) in [
            ("sleep", options.sleep),
            ("max_time", options.max_time),
            ("rest", options.rest),
        ] {
            crate::duration::seconds(v, &format!("worker {key}"))?;
        }
        let queues = options
            .queues
            .iter()
            .map(|q| Queue::new(client, q, connection))
            .collect::<Result<_>>()?;
        Ok(Worker {
            queues,
            buffered: Held::new(options.prefetch == 0),
            adaptive: Adaptive::new(options.concurrency),
            options,
            started: Instant::now(),
            stop: AtomicBool::new(false),
            taken: AtomicU64::new(0),
            stepped: AtomicBool::new(false),
            memory_mb: AtomicU64::new(0),
            processed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// The options.
    pub fn options(&self) -> &WorkerOptions {
        &self.options
    }

    /// Asks the worker to stop: running jobs finish, no new ones are taken.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// True once a stop was requested.
    pub fn is_stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The host's measure of its memory use, checked against `memory`.
    pub fn report_memory(&self, megabytes: u64) {
        self.memory_mb.store(megabytes, Ordering::Relaxed);
    }

    /// Counters so far.
    pub fn stats(&self) -> WorkerStats {
        let processed = self.processed.load(Ordering::Relaxed);
        let retried = self.retried.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        WorkerStats {
            jobs: processed + retried + failed,
            processed,
            retried,
            failed,
        }
    }

    /// How long a host's loop waits in one `next` before it looks again: the `sleep` option,
    /// from 10 ms to 1 s so a stop request is noticed promptly.
    pub fn step(&self) -> Duration {
        crate::duration::saturating_seconds(self.options.sleep.clamp(0.01, 1.0))
    }

    /// The next job, waiting up to `wait` (at most the `sleep` option); jobs that have
    /// used up their tries or retry-until are failed here without running.
    pub async fn next(&self, wait: Duration) -> Result<Step> {
        let deadline = Instant::now()
            + wait.min(crate::duration::saturating_seconds(
                self.options.sleep.max(0.01),
            ));
        let mut recounts = 0;
        loop {
            if let Some(reason) = self.stop_reason() {
                self.unreserve_buffered().await?;
                return Ok(Step::Stop(reason));
            }
            let remaining = match self.options.stop_when_empty {
                true => Duration::ZERO,
                false => deadline.saturating_duration_since(Instant::now()),
            };
            let Some(job) = self.take(remaining).await? else {
                if self.options.stop_when_empty {
                    // A pull for what is ready now can come back empty on a busy server: the
                    // queues are empty only when their counts say so too.
                    if recounts < MAX_RECOUNTS && self.any_ready().await? {
                        recounts += 1;
                        continue;
                    }
                    return Ok(Step::Stop(StopReason::Empty));
                }
                if Instant::now() >= deadline {
                    self.stepped.store(true, Ordering::Relaxed);
                    return Ok(Step::Idle);
                }
                continue;
            };
            if let Some(reason) = job.expired(self.options.tries) {
                job.fail_expired(&reason).await?;
                self.failed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            self.taken.fetch_add(1, Ordering::SeqCst);
            self.stepped.store(true, Ordering::Relaxed);
            self.buffered.progress();
            let mut job = job;
            job.begin();
            return Ok(Step::Job(job));
        }
    }

    /// Finishes a job with its handler's outcome (see [`Job::finish`]).
    pub async fn finish(&self, job: Job, outcome: Outcome) -> Result<JobEvent> {
        let timeout = self
            .options
            .timeout
            .map(crate::duration::saturating_seconds);
        self.adaptive.ran(job.elapsed());
        self.buffered.progress();
        let event = job.finish(outcome, self.options.tries, timeout).await?;
        let counter = match &event {
            JobEvent::Processed { .. } | JobEvent::Deleted { .. } => &self.processed,
            JobEvent::Released { .. } | JobEvent::Retrying { .. } => &self.retried,
            JobEvent::Failed { .. } => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if self.options.rest > 0.0 {
            tokio::time::sleep(crate::duration::saturating_seconds(self.options.rest)).await;
        }
        Ok(event)
    }

    /// Runs the loop in Rust with `concurrency` tasks until a stop condition; the handler
    /// is timed out after the job's (or the worker's) timeout.
    pub async fn run<F, Fut>(self: Arc<Self>, handler: F) -> Result<WorkerStats>
    where
        F: Fn(Arc<JobView>) -> Fut + Send + Sync + Clone + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let mut tasks = Vec::new();
        for _ in 0..self.options.concurrency.max(1) {
            let worker = self.clone();
            let handler = handler.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    match worker.next(Duration::from_secs(1)).await? {
                        Step::Stop(_) => return Ok::<(), Error>(()),
                        Step::Idle => continue,
                        Step::Job(job) => {
                            let view = Arc::new(JobView::of(&job));
                            let limit = job
                                .envelope()
                                .timeout
                                .or(worker.options.timeout)
                                .map(crate::duration::saturating_seconds)
                                .filter(|t| !t.is_zero());
                            let outcome = match limit {
                                Some(t) => tokio::time::timeout(t, handler(view))
                                    .await
                                    .unwrap_or_else(|_| Outcome::Error {
                                        exception: "TimeoutExceeded".into(),
                                        message: format!(
                                            "{} did not finish within {:.1} s",
                                            job.name(),
                                            t.as_secs_f64()
                                        ),
                                        trace: String::new(),
                                    }),
                                None => handler(view).await,
                            };
                            worker.finish(job, outcome).await?;
                        }
                    }
                }
            }));
        }
        for t in tasks {
            t.await
                .map_err(|e| Error::new(ErrorCode::Panic, format!("worker task: {e}")))??;
        }
        Ok(self.stats())
    }

    /// The next job: a buffered one, else from the highest-priority queue that has one.
    /// One pull takes up to `prefetch` jobs (or the adaptive size) so a round trip serves many.
    async fn take(&self, wait: Duration) -> Result<Option<Job>> {
        if let Some(job) = self.buffered.pop() {
            return Ok(Some(job));
        }
        let batch = match self.options.prefetch {
            0 => self.adaptive.size(),
            n => n,
        };
        if let [only] = self.queues.as_slice() {
            let jobs = only.pop_many_until(batch, wait, Some(&self.stop)).await?;
            return Ok(self.keep_rest(batch, jobs));
        }
        for q in &self.queues {
            let jobs = q
                .pop_many_until(batch, Duration::ZERO, Some(&self.stop))
                .await?;
            if !jobs.is_empty() {
                return Ok(self.keep_rest(batch, jobs));
            }
        }
        tokio::time::sleep(wait.min(Duration::from_millis(50))).await;
        Ok(None)
    }

    /// True when one of the worker's queues counts ready jobs.
    async fn any_ready(&self) -> Result<bool> {
        for q in &self.queues {
            if q.size().await?.ready > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn keep_rest(&self, asked: usize, jobs: Vec<Job>) -> Option<Job> {
        self.adaptive.pulled(asked, jobs.len());
        let mut jobs = jobs.into_iter();
        let first = jobs.next();
        self.buffered.hold(jobs);
        first
    }

    /// On stop, buffered jobs go back to their queues untouched.
    async fn unreserve_buffered(&self) -> Result<()> {
        for job in self.buffered.drain() {
            job.unreserve().await?;
        }
        Ok(())
    }

    fn stop_reason(&self) -> Option<StopReason> {
        let o = &self.options;
        let taken = self.taken.load(Ordering::SeqCst);
        if self.is_stopping() {
            Some(StopReason::Requested)
        } else if o.once && taken >= 1 {
            Some(StopReason::Once)
        } else if o.max_jobs > 0 && taken >= o.max_jobs {
            Some(StopReason::MaxJobs)
        } else if o.max_time > 0.0 && self.started.elapsed().as_secs_f64() >= o.max_time {
            Some(StopReason::MaxTime)
        } else if o.memory > 0
            && self.stepped.load(Ordering::Relaxed)
            && self.memory_mb.load(Ordering::Relaxed) >= o.memory
        {
            Some(StopReason::Memory)
        } else {
            None
        }
    }
}

/// What a Rust handler sees of a job.
#[derive(Debug, Clone)]
pub struct JobView {
    /// Job id.
    pub id: String,
    /// Job name.
    pub name: String,
    /// Payload.
    pub payload: serde_json::Value,
    /// Attempt number.
    pub attempts: u32,
    /// The trace context the job was pushed with, if any.
    pub trace_context: Option<crate::TraceContext>,
}

impl JobView {
    fn of(job: &Job) -> Self {
        JobView {
            id: job.id().to_string(),
            name: job.name().to_string(),
            payload: job.payload().clone(),
            attempts: job.attempts(),
            trace_context: job.trace_context(),
        }
    }
}
