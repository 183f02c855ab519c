//! A durable job queue on JetStream, shared by every host.
//!
//! All queues of a connection live in one work-queue stream (`queue.stream`, default
//! `NATSKIT_JOBS`). Jobs of queue `q` are messages on `<prefix>.q.<q>`, read by one durable
//! pull consumer per queue that all workers share; its ack wait is the visibility timeout
//! (`queue.retry_after`). A push returns once the stream has stored the job. Delayed jobs are
//! server message schedules (`Nats-Schedule: @at …`) on `<prefix>.s.<q>.<id>` that the server
//! moves onto the queue subject at their time, so they are durable while they wait.

mod adaptive;
mod envelope;
mod failed;
mod handle;
mod job;
mod prefetch;
mod worker;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::config::{QueueConfig, UniquePolicy};
use crate::error::{Error, ErrorCode, Result};
use crate::jetstream::ack::PendingAck;
use crate::jetstream::election;
use crate::jetstream::error::from_nats;

pub use envelope::{now, Backoff, Envelope, PushOptions};
pub use failed::{FailedJob, FailedJobs};
pub use handle::JobHandle;
pub use job::{Job, JobEvent, Outcome, WorkerHook};
pub use prefetch::Prefetch;
pub use worker::{JobView, Step, StopReason, Worker, WorkerOptions, WorkerStats};

/// How many jobs one pull asks for at most.
const MAX_BATCH: usize = 256;

/// One job for [`Queue::push_many`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct NewJob {
    /// The job's name.
    pub job: String,
    /// Its payload.
    #[serde(default)]
    pub data: Value,
    /// Its options (`delay` included).
    #[serde(default)]
    pub options: PushOptions,
}

/// The numbers of one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct QueueSize {
    /// Jobs waiting to be taken.
    pub ready: u64,
    /// Jobs taken by a worker and not yet finished (in flight).
    pub reserved: u64,
    /// Jobs scheduled for later.
    pub delayed: u64,
    /// Jobs in the failed-jobs store.
    pub failed: u64,
    /// Seconds since the oldest waiting job was queued (0 when none waits).
    pub oldest_age: f64,
}

/// What a dashboard shows of one queue: its numbers, the deliveries its workers finished
/// since its consumer was made (a counter; throughput is its rate), and the job waiting
/// longest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueActivity {
    /// Ready, reserved, delayed, failed, oldest age.
    #[serde(flatten)]
    pub size: QueueSize,
    /// Deliveries finished (done, released, retried or failed), counted by the server.
    pub finished: u64,
    /// The job waiting longest, when one waits.
    pub oldest: Option<WaitingJob>,
}

/// A job waiting to be taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingJob {
    /// Job id (empty when the message is not a job envelope).
    pub id: String,
    /// Its display name (its name when it has none).
    pub job: String,
    /// Attempts made before this copy was queued.
    pub attempts: u32,
    /// Seconds since this copy was queued.
    pub age: f64,
}

impl WaitingJob {
    fn of(payload: &[u8], stored: time::OffsetDateTime) -> WaitingJob {
        let queued_at = stored.unix_timestamp_nanos() as f64 / 1e9;
        let env = Envelope::from_slice(payload).ok();
        WaitingJob {
            id: env.as_ref().map(|e| e.uuid.clone()).unwrap_or_default(),
            job: env
                .as_ref()
                .map(|e| e.display_name.clone().unwrap_or_else(|| e.job.clone()))
                .unwrap_or_default(),
            attempts: env.map_or(0, |e| e.attempts),
            age: (now() - queued_at).max(0.0),
        }
    }
}

/// One named queue on one connection. Cloning is cheap.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    js: jetstream::Context,
    settings: QueueConfig,
    name: String,
    connection: String,
    consumer: OnceCell<consumer::PullConsumer>,
    stream_ready: OnceCell<()>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("name", &self.inner.name)
            .finish()
    }
}

impl Client {
    /// The job queue `name` on this connection (settings from its `queue` config).
    pub fn queue(&self, name: &str) -> Result<Queue> {
        Queue::new(self, name, "default")
    }
}

impl Queue {
    /// A handle to queue `name`; `connection` is the name recorded in failed jobs.
    pub fn new(client: &Client, name: &str, connection: &str) -> Result<Queue> {
        check_queue_name(name)?;
        Ok(Queue {
            inner: Arc::new(Inner {
                js: client.jetstream().nats().clone(),
                client: client.clone(),
                settings: client.config().queue.clone(),
                name: name.to_string(),
                connection: connection.to_string(),
                consumer: OnceCell::new(),
                stream_ready: OnceCell::new(),
            }),
        })
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The connection this queue uses.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The queue settings of the connection.
    pub fn settings(&self) -> &QueueConfig {
        &self.inner.settings
    }

    /// Pushes a job and returns its id once the stream has stored it; `None` when a job
    /// with the same unique key is pending and the policy is `ignore`.
    pub async fn push(&self, job: &str, data: Value, opts: &PushOptions) -> Result<Option<String>> {
        let env = Envelope::new(&self.inner.name, job, data, opts)?;
        let delay = opts.delay.map(crate::duration::saturating_seconds);
        let delay = delay.unwrap_or_default();
        self.push_envelope(env, delay).await
    }

    /// Pushes a job that becomes available after `delay`.
    pub async fn later(
        &self,
        delay: Duration,
        job: &str,
        data: Value,
        opts: &PushOptions,
    ) -> Result<Option<String>> {
        let env = Envelope::new(&self.inner.name, job, data, opts)?;
        self.push_envelope(env, delay).await
    }

    /// Pushes a ready-made envelope (from another host, or a Laravel payload).
    pub async fn push_envelope(
        &self,
        mut env: Envelope,
        delay: Duration,
    ) -> Result<Option<String>> {
        env.queue = self.inner.name.clone();
        if let Some(key) = env.unique_key.clone() {
            if !self.lock_unique(&key, &env.uuid, delay).await? {
                return self.duplicate(&key);
            }
        }
        let id = env.uuid.clone();
        self.enqueue(&env, delay, &id).await?;
        Ok(Some(id))
    }

    /// Stores again an envelope that was stored before (Laravel's `queue:retry` re-pushes a
    /// failed job's payload with its uuid): a fresh message id, so the stream's two-minute
    /// duplicate window cannot drop it. Unique keys are not taken again.
    pub async fn push_copy(&self, mut env: Envelope, delay: Duration) -> Result<String> {
        env.queue = self.inner.name.clone();
        let msg_id = format!("{}-copy-{}", env.uuid, nuid::next());
        self.enqueue(&env, delay, &msg_id).await?;
        Ok(env.uuid)
    }

    /// Takes the next job, waiting up to `timeout`; `None` when none came.
    pub async fn pop(&self, timeout: Duration) -> Result<Option<Job>> {
        self.pop_many(1, timeout).await.map(|mut v| v.pop())
    }

    /// Takes up to `max` jobs (each reserved, with its own heartbeat), waiting up to `timeout`
    /// for the first. Unreadable envelopes go to the failed store and are skipped.
    pub async fn pop_many(&self, max: usize, timeout: Duration) -> Result<Vec<Job>> {
        self.pop_many_until(max, timeout, None).await
    }

    /// [`Queue::pop_many`] for a worker: once `stop` is set, a pull past its expiry (its
    /// answer lost in a leader change) is given up at once instead of waited out.
    pub(crate) async fn pop_many_until(
        &self,
        max: usize,
        timeout: Duration,
        stop: Option<&AtomicBool>,
    ) -> Result<Vec<Job>> {
        let messages = self.fetch(max.clamp(1, MAX_BATCH), timeout, stop).await?;
        let mut jobs = Vec::with_capacity(messages.len());
        for msg in messages {
            match Job::from_message(self.clone(), msg).await {
                Ok(job) => jobs.push(job),
                Err(e) if e.code() == ErrorCode::Serialization => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(jobs)
    }

    /// The queue's numbers: ready, reserved, delayed, failed, oldest age.
    pub async fn size(&self) -> Result<QueueSize> {
        election::retry(self.election_window(), || self.count()).await
    }

    /// One try of [`Queue::size`].
    async fn count(&self) -> Result<QueueSize> {
        let failed = self.failed().count(Some(&self.inner.name)).await?;
        Ok(self.measure(failed).await?.size)
    }

    /// Its size (with `failed` failed jobs), the deliveries finished so far, and the job
    /// waiting longest, from one consumer info and one read of the oldest job; retried
    /// through an election.
    pub(crate) async fn activity(&self, failed: u64) -> Result<QueueActivity> {
        election::retry(self.election_window(), || self.measure(failed)).await
    }

    async fn measure(&self, failed: u64) -> Result<QueueActivity> {
        let consumer = self.consumer().await?;
        let info = consumer
            .clone()
            .info()
            .await
            .map_err(|e| from_nats(&e, "queue size"))?
            .clone();
        let stream = self.stream().await?;
        let delayed_subject = self.schedule_subject("*");
        let subjects = stream
            .info_with_subjects(&delayed_subject)
            .await
            .map_err(|e| from_nats(&e, "queue size"))?;
        let delayed = subjects
            .fold(0u64, |n, s| async move {
                n + s.map(|(_, c)| c as u64).unwrap_or(0)
            })
            .await;
        // Waiting jobs follow the last one delivered: earlier ones are finished or reserved.
        let oldest = match info.num_pending {
            0 => None,
            _ => stream
                .direct_get_next_for_subject(
                    self.ready_subject(),
                    Some(info.delivered.stream_sequence + 1),
                )
                .await
                .ok()
                .map(|m| WaitingJob::of(&m.payload, m.time)),
        };
        Ok(QueueActivity {
            size: QueueSize {
                ready: info.num_pending,
                reserved: info.num_ack_pending as u64,
                delayed,
                failed,
                oldest_age: oldest.as_ref().map_or(0.0, |job| job.age),
            },
            finished: info
                .delivered
                .consumer_sequence
                .saturating_sub(info.num_ack_pending as u64),
            oldest,
        })
    }

    /// Removes every waiting and delayed job of this queue and releases their unique locks;
    /// returns how many messages were removed.
    pub async fn clear(&self) -> Result<u64> {
        self.clear_and_read().await.map(|(purged, _)| purged)
    }

    /// Like [`Queue::clear`], returning the envelopes removed (Laravel's `queue:clear` frees
    /// the unique locks its jobs hold in Laravel's cache).
    pub async fn clear_jobs(&self) -> Result<Vec<Envelope>> {
        self.clear_and_read().await.map(|(_, jobs)| jobs)
    }

    /// Reads each subject's jobs, then purges up to the last one read, so a job pushed
    /// meanwhile stays.
    async fn clear_and_read(&self) -> Result<(u64, Vec<Envelope>)> {
        let stream = self.stream().await?;
        let mut purged = 0;
        let mut jobs = Vec::new();
        for subject in [self.ready_subject(), self.schedule_subject(">")] {
            let mut last = None;
            loop {
                let next = last.map(|seq: u64| seq + 1);
                match stream.direct_get_next_for_subject(&subject, next).await {
                    Ok(msg) => {
                        last = Some(msg.sequence);
                        jobs.extend(Envelope::from_slice(&msg.payload).ok());
                    }
                    Err(e) if e.kind() == stream::DirectGetErrorKind::NotFound => break,
                    Err(e) => return Err(from_nats(&e, "queue clear")),
                }
            }
            if let Some(last) = last {
                purged += stream
                    .purge()
                    .filter(&subject)
                    .sequence(last + 1)
                    .await
                    .map_err(|e| from_nats(&e, "queue clear"))?
                    .purged;
            }
        }
        for key in jobs.iter().filter_map(|env| env.unique_key.as_deref()) {
            self.unlock_unique(key).await?;
        }
        Ok((purged, jobs))
    }

    /// The failed-jobs store of this connection.
    pub fn failed(&self) -> FailedJobs {
        FailedJobs::new(
            self.inner.client.clone(),
            self.inner.js.clone(),
            self.inner.settings.clone(),
        )
    }

    /// `<prefix>.q.<queue>`: where ready jobs of this queue are stored.
    pub fn ready_subject(&self) -> String {
        format!(
            "{}.q.{}",
            self.inner.settings.subject_prefix, self.inner.name
        )
    }

    fn schedule_subject(&self, tail: &str) -> String {
        format!(
            "{}.s.{}.{tail}",
            self.inner.settings.subject_prefix, self.inner.name
        )
    }

    /// Stores `env` (attempt-specific `msg_id` for dedup), now or after `delay`.
    pub(crate) async fn enqueue(
        &self,
        env: &Envelope,
        delay: Duration,
        msg_id: &str,
    ) -> Result<()> {
        self.ensure_stream().await?;
        let timeout = self.inner.client.config().jetstream_timeout()?;
        election::retry(self.election_window(), || async {
            let ack = self.send(env, delay, msg_id).await?;
            let ack = PendingAck::new(&self.inner.client, ack, timeout);
            ack.wait()
                .await
                .map_err(|e| from_nats(&e, "push"))
                .map(drop)
        })
        .await
    }

    /// Sends one envelope to the stream; the returned future resolves with the stream's ack.
    async fn send(
        &self,
        env: &Envelope,
        delay: Duration,
        msg_id: &str,
    ) -> Result<PublishAckFuture> {
        let (subject, headers, payload) = self.outbound(env, delay, msg_id)?;
        self.inner
            .js
            .publish_with_headers(subject, headers, payload)
            .await
            .map_err(|e| from_nats(&e, "push"))
    }

    /// Pushes many jobs with up to 256 stores in flight; returns once the stream has
    /// stored every one of them, with their ids (`None` for ignored unique duplicates).
    pub async fn push_many(&self, jobs: &[NewJob]) -> Result<Vec<Option<String>>> {
        let envelopes = jobs
            .iter()
            .map(|new| {
                let env =
                    Envelope::new(&self.inner.name, &new.job, new.data.clone(), &new.options)?;
                let delay = new.options.delay.map(crate::duration::saturating_seconds);
                Ok((env, delay.unwrap_or_default()))
            })
            .collect::<Result<Vec<_>>>()?;
        self.push_envelopes(envelopes).await
    }

    /// Pushes ready-made envelopes (Laravel's `bulk()`), each available after its delay,
    /// with up to 256 stores in flight; ids as for [`Queue::push_many`].
    pub async fn push_envelopes(
        &self,
        envelopes: Vec<(Envelope, Duration)>,
    ) -> Result<Vec<Option<String>>> {
        self.ensure_stream().await?;
        let timeout = self.inner.client.config().jetstream_timeout()?;
        let mut ids = Vec::with_capacity(envelopes.len());
        let mut pending = envelopes.into_iter().peekable();
        while pending.peek().is_some() {
            let mut acks = Vec::with_capacity(256);
            for (mut env, delay) in pending.by_ref().take(256) {
                env.queue = self.inner.name.clone();
                if let Some(key) = &env.unique_key {
                    if !self.lock_unique(key, &env.uuid, delay).await? {
                        ids.push(self.duplicate(key)?);
                        continue;
                    }
                }
                ids.push(Some(env.uuid.clone()));
                let ack = self.send(&env, delay, &env.uuid).await?;
                acks.push((
                    PendingAck::new(&self.inner.client, ack, timeout),
                    env,
                    delay,
                ));
            }
            for (ack, env, delay) in acks {
                match ack.wait().await.map_err(|e| from_nats(&e, "push")) {
                    Err(e)
                        if election::during_election(&e) && !self.election_window().is_zero() =>
                    {
                        self.enqueue(&env, delay, &env.uuid).await?
                    }
                    stored => stored.map(drop)?,
                }
            }
        }
        Ok(ids)
    }

    /// What a duplicate unique push returns under the connection's policy.
    fn duplicate(&self, key: &str) -> Result<Option<String>> {
        match self.inner.settings.unique {
            UniquePolicy::Ignore => Ok(None),
            UniquePolicy::Refuse => Err(Error::new(
                ErrorCode::Queue,
                format!(
                    "a job with unique key {key:?} is already queued or running on {}",
                    self.inner.name
                ),
            )),
        }
    }

    /// Subject, headers and body that store `env` now, or as a schedule after `delay`.
    fn outbound(
        &self,
        env: &Envelope,
        delay: Duration,
        msg_id: &str,
    ) -> Result<(String, async_nats::HeaderMap, bytes::Bytes)> {
        let payload = env.to_vec()?;
        self.inner.client.check_publish(
            &self.ready_subject(),
            payload.len(),
            &crate::PublishOptions::default(),
        )?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id);
        let subject = if delay.is_zero() {
            self.ready_subject()
        } else {
            let at = time::OffsetDateTime::now_utc() + delay;
            let at = crate::timestamp::try_rfc3339(at, "schedule time")?;
            headers.insert(
                async_nats::header::NATS_SCHEDULE,
                format!("@at {at}").as_str(),
            );
            headers.insert(
                async_nats::header::NATS_SCHEDULE_TARGET,
                self.ready_subject().as_str(),
            );
            self.schedule_subject(&msg_id.replace(['.', '*', '>', ' '], "_"))
        };
        Ok((subject, headers, payload.into()))
    }

    /// Creates the queue stream once per handle (later pushes skip the API round trip).
    async fn ensure_stream(&self) -> Result<()> {
        self.inner
            .stream_ready
            .get_or_try_init(|| async { self.stream().await.map(drop) })
            .await
            .map(drop)
    }

    /// Takes what is ready now (up to `max`); when nothing is, long-polls for a single
    /// job, so no fetched job ever waits unheartbeated for a batch to fill.
    pub(crate) async fn fetch(
        &self,
        max: usize,
        timeout: Duration,
        stop: Option<&AtomicBool>,
    ) -> Result<Vec<jetstream::Message>> {
        let deadline = Instant::now() + timeout;
        let pulled = election::retry(timeout, || async {
            let consumer = self.consumer().await?;
            self.pull(
                &consumer,
                max,
                deadline.saturating_duration_since(Instant::now()),
                stop,
            )
            .await
        })
        .await;
        match pulled {
            Err(e) if election::during_election(&e) => Ok(Vec::new()),
            pulled => pulled,
        }
    }

    /// One pull for what is ready now, then, when nothing was, one long poll for a job.
    async fn pull(
        &self,
        consumer: &consumer::PullConsumer,
        max: usize,
        timeout: Duration,
        stop: Option<&AtomicBool>,
    ) -> Result<Vec<jetstream::Message>> {
        let ready = consumer
            .fetch()
            .max_messages(max)
            .expires(READY_NOW)
            .messages()
            .await;
        let mut jobs = collect_within(ready, READY_NOW, stop).await?;
        if jobs.is_empty() && timeout >= Duration::from_millis(10) {
            let waited = consumer
                .batch()
                .max_messages(1)
                .expires(timeout)
                .messages()
                .await;
            jobs = collect_within(waited, timeout, stop).await?;
        }
        Ok(jobs)
    }

    /// How long stores ride out a leader election: only a replicated queue has one to wait
    /// for; on a single replica an error is an outage, reported within the call's own timeout.
    fn election_window(&self) -> Duration {
        election::window(self.inner.settings.replicas)
    }

    async fn stream(&self) -> Result<stream::Stream> {
        let s = &self.inner.settings;
        let config = stream::Config {
            name: s.stream.clone(),
            subjects: vec![format!("{}.>", s.subject_prefix)],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            num_replicas: s.replicas,
            allow_message_schedules: true,
            allow_direct: true,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        };
        election::retry(self.election_window(), || async {
            self.inner
                .js
                .get_or_create_stream(config.clone())
                .await
                .map_err(|e| from_nats(&e, "queue stream"))
        })
        .await
    }

    pub(crate) async fn consumer(&self) -> Result<consumer::PullConsumer> {
        self.inner
            .consumer
            .get_or_try_init(|| async {
                let stream = self.stream().await?;
                let config = consumer::pull::Config {
                    durable_name: Some(consumer_name(&self.inner.name)),
                    filter_subject: self.ready_subject(),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: self.inner.settings.retry_after()?,
                    max_deliver: -1,
                    max_ack_pending: 100_000,
                    max_waiting: 4096,
                    ..Default::default()
                };
                stream
                    .get_or_create_consumer(&consumer_name(&self.inner.name), config)
                    .await
                    .map_err(|e| from_nats(&e, "queue consumer"))
            })
            .await
            .cloned()
    }

    /// Takes the unique lock for `key`; false when another live job holds it. The lock
    /// expires `unique_for` after the job becomes available (`delay` from now), so one whose
    /// job was never stored, or whose release was lost, cannot block the key for ever.
    /// Retried through an election: a lock that a lost answer already gave this job is still
    /// this job's.
    async fn lock_unique(&self, key: &str, id: &str, delay: Duration) -> Result<bool> {
        let ttl = lock_ttl(self.inner.settings.unique_for()?, delay);
        election::retry(self.election_window(), || async {
            let kv = self.unique_bucket().await?;
            match kv
                .create_with_ttl(unique_key(key), id.to_string().into(), ttl)
                .await
            {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == async_nats::jetstream::kv::CreateErrorKind::AlreadyExists => {
                    let holder = kv
                        .get(unique_key(key))
                        .await
                        .map_err(|e| from_nats(&e, "unique lock"))?;
                    Ok(holder.is_some_and(|held| held == id.as_bytes()))
                }
                Err(e) => Err(from_nats(&e, "unique lock")),
            }
        })
        .await
    }

    /// Releases the unique lock of a finished job (retried through an election).
    pub(crate) async fn unlock_unique(&self, key: &str) -> Result<()> {
        election::retry(self.election_window(), || async {
            let kv = self.unique_bucket().await?;
            kv.purge(unique_key(key))
                .await
                .map_err(|e| from_nats(&e, "unique unlock"))
        })
        .await
    }

    async fn unique_bucket(&self) -> Result<async_nats::jetstream::kv::Store> {
        let s = &self.inner.settings;
        let config = async_nats::jetstream::kv::Config {
            bucket: s.unique_bucket.clone(),
            history: 1,
            num_replicas: s.replicas,
            storage: stream::StorageType::File,
            limit_markers: Some(LOCK_MARKER_TTL),
            ..Default::default()
        };
        match self.inner.js.get_key_value(&s.unique_bucket).await {
            Ok(kv) if kv.stream.cached_info().config.allow_message_ttl => Ok(kv),
            // A bucket made before locks expired: let its entries carry a TTL.
            Ok(kv) => {
                let mut upgraded = kv.stream.cached_info().config.clone();
                upgraded.allow_message_ttl = true;
                upgraded.subject_delete_marker_ttl = Some(LOCK_MARKER_TTL);
                self.inner
                    .js
                    .update_stream(upgraded)
                    .await
                    .map_err(|e| from_nats(&e, "unique bucket"))?;
                self.inner
                    .js
                    .get_key_value(&s.unique_bucket)
                    .await
                    .map_err(|e| from_nats(&e, "unique bucket"))
            }
            Err(_) => self
                .inner
                .js
                .create_key_value(config)
                .await
                .map_err(|e| from_nats(&e, "unique bucket")),
        }
    }

    pub(crate) fn connection_name(&self) -> &str {
        &self.inner.connection
    }
}

/// The queues of `client`'s connection, sorted: those with jobs stored (ready on
/// `<prefix>.q.<name>` or delayed on `<prefix>.s.<name>.<id>`) and those a worker has
/// opened (their durable consumer exists). Empty when the queue stream does not exist yet.
pub async fn queue_names(client: &Client) -> Result<Vec<String>> {
    let settings = &client.config().queue;
    let js = client.jetstream();
    let mut names = std::collections::BTreeSet::new();
    for kind in ["q.*", "s.*.*"] {
        let filter = format!("{}.{kind}", settings.subject_prefix);
        let info = match js
            .api(
                &format!("STREAM.INFO.{}", settings.stream),
                &serde_json::json!({ "subjects_filter": filter }),
            )
            .await
        {
            Ok(info) => info,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let tokens = settings.subject_prefix.split('.').count();
        if let Some(subjects) = info["state"]["subjects"].as_object() {
            names.extend(
                subjects
                    .keys()
                    .filter_map(|s| s.split('.').nth(tokens + 1))
                    .map(str::to_string),
            );
        }
    }
    let consumers = js.consumer_names(&settings.stream).await?;
    names.extend(
        consumers
            .iter()
            .filter_map(|c| c.strip_prefix(CONSUMER_PREFIX))
            .map(str::to_string),
    );
    Ok(names.into_iter().collect())
}

/// The expiry of the pull for what is ready now: the server keeps a no-wait pull until its
/// expiry only while jobs are reserved (they may come back), and never without one.
const READY_NOW: Duration = Duration::from_millis(10);

/// How long after its expiry a pull's answer may take before it counts as lost (a pull for
/// what is ready now is answered at once, unless the answer is lost in a leader change).
const PULL_ANSWER_GRACE: Duration = Duration::from_secs(2);

/// One message of a pull, or why it could not be read.
type Pulled = std::result::Result<jetstream::Message, Box<dyn std::error::Error + Send + Sync>>;

/// Drains one pull, giving up `PULL_ANSWER_GRACE` after its expiry (at once past the expiry
/// when `stop` is set): a pull whose answer was lost returns what arrived instead of waiting
/// forever; jobs delivered after that stay reserved and come back after `retry_after`. A
/// server that is up answers at the expiry, so the grace is only spent in a leader change.
async fn collect_within<S, E>(
    batch: std::result::Result<S, E>,
    expires: Duration,
    stop: Option<&AtomicBool>,
) -> Result<Vec<jetstream::Message>>
where
    S: futures::Stream<Item = Pulled> + Unpin,
    E: std::error::Error + 'static,
{
    let mut jobs = Vec::new();
    let deadline = tokio::time::Instant::now() + expires.saturating_add(PULL_ANSWER_GRACE);
    let expiry = tokio::time::Instant::now() + expires;
    let stopping = || stop.is_some_and(|s| s.load(Ordering::SeqCst));
    let answered = {
        let collect = collect_into(batch, &mut jobs);
        tokio::pin!(collect);
        let mut tick = expiry;
        loop {
            match tokio::time::timeout_at(tick.min(deadline), &mut collect).await {
                Ok(result) => break Some(result),
                Err(_) if tick >= deadline || stopping() => break None,
                Err(_) => tick = tokio::time::Instant::now() + STOP_POLL,
            }
        }
    };
    match answered {
        Some(result) => result.map(|()| jobs),
        None => Ok(jobs),
    }
}

/// How often a pull waiting out its grace checks whether its worker was asked to stop.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Drains one pull's messages. An error after some arrived keeps those: the rest stay
/// reserved on the server and are redelivered after `retry_after`.
async fn collect_into<S, E>(
    batch: std::result::Result<S, E>,
    jobs: &mut Vec<jetstream::Message>,
) -> Result<()>
where
    S: futures::Stream<Item = Pulled> + Unpin,
    E: std::error::Error + 'static,
{
    let mut batch = batch.map_err(|e| from_nats(&e, "pop"))?;
    while let Some(msg) = batch.next().await {
        match msg {
            Ok(m) => jobs.push(m),
            Err(e) if jobs.is_empty() => return Err(from_nats(&*e, "pop")),
            Err(_) => break,
        }
    }
    Ok(())
}

/// Durable consumer names of queues start with this.
const CONSUMER_PREFIX: &str = "natskit_q_";

fn consumer_name(queue: &str) -> String {
    format!("{CONSUMER_PREFIX}{queue}")
}

/// KV keys allow `[-/_=.a-zA-Z0-9]`; anything else is hex-encoded.
/// How long the server keeps the marker it leaves where an expired lock was.
const LOCK_MARKER_TTL: Duration = Duration::from_secs(60);

/// A lock's TTL: `unique_for` past the job's delay, in the whole seconds the server counts.
fn lock_ttl(unique_for: Duration, delay: Duration) -> Duration {
    let secs = (unique_for + delay).as_secs_f64().ceil();
    Duration::from_secs_f64(secs.min(u32::MAX as f64))
}

fn unique_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=/".contains(&b))
    {
        key.to_string()
    } else {
        key.bytes().map(|b| format!("{b:02x}")).collect()
    }
}

fn check_queue_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("invalid queue name {name:?}: use letters, digits, '-' and '_'"),
        ));
    }
    Ok(())
}
