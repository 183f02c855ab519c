//! The failed-jobs store: a JetStream key-value bucket keyed by job id, with the
//! management operations of Laravel's `queue:failed`, `queue:retry`, `queue:forget`, `queue:flush`.

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream::StorageType};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::envelope::{now, Envelope};
use super::Queue;
use crate::client::Client;
use crate::config::QueueConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::jetstream::error::from_nats;

/// A job that failed for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedJob {
    /// Job id.
    pub id: String,
    /// Connection name.
    pub connection: String,
    /// Queue name.
    pub queue: String,
    /// The job envelope as it was when it failed.
    pub payload: Value,
    /// Exception class or kind.
    pub exception: String,
    /// Why it failed.
    pub message: String,
    /// Stack trace, if any.
    #[serde(default)]
    pub trace: String,
    /// When it failed, Unix seconds (0 when reported means now).
    #[serde(default)]
    pub failed_at: f64,
}

impl FailedJob {
    /// The message sent to the dead-letter subject (the seed's field names plus the payload).
    pub fn dead_letter(&self) -> Value {
        json!({
            "id": self.id,
            "original_queue": self.queue,
            "original_connection": self.connection,
            "failure_message": self.message,
            "failure_exception": self.exception,
            "failure_trace": self.trace,
            "failed_at": self.failed_at,
            "payload": self.payload,
        })
    }
}

/// The failed jobs of one connection.
#[derive(Debug, Clone)]
pub struct FailedJobs {
    client: Client,
    js: jetstream::Context,
    settings: QueueConfig,
}

impl FailedJobs {
    pub(crate) fn new(client: Client, js: jetstream::Context, settings: QueueConfig) -> Self {
        FailedJobs {
            client,
            js,
            settings,
        }
    }

    /// The store of `client`'s connection.
    pub fn of(client: &Client) -> Self {
        FailedJobs::new(
            client.clone(),
            client.jetstream().nats().clone(),
            client.config().queue.clone(),
        )
    }

    /// Reports a job that failed for good: keeps it in the store when `store`, and publishes
    /// it to `dead_letter` (a subject) when given. Hosts whose own worker decides failures
    /// (Laravel's) report through this; natskit's workers do too.
    pub async fn report(
        &self,
        mut job: FailedJob,
        store: bool,
        dead_letter: Option<&str>,
    ) -> Result<()> {
        if job.id.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "failed job: id must not be empty",
            ));
        }
        if job.failed_at <= 0.0 || !job.failed_at.is_finite() {
            job.failed_at = now();
        }
        if store {
            self.record(&job).await?;
        }
        if let Some(subject) = dead_letter {
            let body = serde_json::to_vec(&job.dead_letter())?;
            self.client.publish(subject, body).await?;
            self.client.flush().await?;
        }
        Ok(())
    }

    /// Stores `job`, retried through an election (a put of the same record is idempotent).
    async fn record(&self, job: &FailedJob) -> Result<()> {
        let record = bytes::Bytes::from(serde_json::to_vec(job)?);
        let window = crate::jetstream::election::window(self.settings.replicas);
        crate::jetstream::election::retry(window, || async {
            self.bucket()
                .await?
                .put(&job.id, record.clone())
                .await
                .map_err(|e| from_nats(&e, "failed-jobs store"))
                .map(drop)
        })
        .await
    }

    /// Every failed job (of `queue`, when given), oldest first.
    pub async fn list(&self, queue: Option<&str>) -> Result<Vec<FailedJob>> {
        let bucket = self.bucket().await?;
        let keys = self.keys().await?;
        let mut jobs = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(job) = self.load(&bucket, &key).await? {
                if queue.is_none_or(|q| q == job.queue) {
                    jobs.push(job);
                }
            }
        }
        jobs.sort_by(|a, b| a.failed_at.total_cmp(&b.failed_at));
        Ok(jobs)
    }

    /// How many failed jobs there are (of `queue`, when given).
    pub async fn count(&self, queue: Option<&str>) -> Result<u64> {
        Ok(self.list(queue).await?.len() as u64)
    }

    /// One failed job.
    pub async fn get(&self, id: &str) -> Result<FailedJob> {
        let bucket = self.bucket().await?;
        self.load(&bucket, id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("no failed job with id {id:?}")))
    }

    /// Puts failed jobs back on their queues with attempts and exceptions reset;
    /// returns the ids retried. Unknown ids fail with `NOT_FOUND` before anything is retried.
    pub async fn retry(&self, ids: &[String]) -> Result<Vec<String>> {
        let mut jobs = Vec::with_capacity(ids.len());
        for id in ids {
            jobs.push(self.get(id).await?);
        }
        let mut retried = Vec::new();
        for job in jobs {
            let mut env: Envelope = serde_json::from_value(job.payload.clone())?;
            env.attempts = 0;
            env.exceptions = 0;
            let queue = Queue::new(&self.client, &job.queue, &job.connection)?;
            let msg_id = format!("{}-retry-{}", env.uuid, nuid::next());
            queue.enqueue(&env, Duration::ZERO, &msg_id).await?;
            self.forget(&job.id).await?;
            retried.push(job.id);
        }
        Ok(retried)
    }

    /// Retries every failed job.
    pub async fn retry_all(&self) -> Result<Vec<String>> {
        let ids: Vec<String> = self.list(None).await?.into_iter().map(|j| j.id).collect();
        self.retry(&ids).await
    }

    /// Deletes one failed job; false when there was none.
    pub async fn forget(&self, id: &str) -> Result<bool> {
        let bucket = self.bucket().await?;
        if self.load(&bucket, id).await?.is_none() {
            return Ok(false);
        }
        bucket
            .purge(id)
            .await
            .map_err(|e| from_nats(&e, "failed-jobs forget"))?;
        Ok(true)
    }

    /// Deletes every failed job, or those older than `older_than`; returns how many.
    pub async fn flush(&self, older_than: Option<Duration>) -> Result<u64> {
        let cutoff = older_than.map(|d| now() - d.as_secs_f64());
        let mut n = 0;
        for job in self.list(None).await? {
            if cutoff.is_none_or(|c| job.failed_at < c) && self.forget(&job.id).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The ids in the store, from the bucket stream's subjects (all pages): one API request a
    /// page, where a key listing would make a consumer each time.
    async fn keys(&self) -> Result<Vec<String>> {
        let js = self.client.jetstream();
        let prefix = format!("$KV.{}.", self.settings.failed_bucket);
        let mut keys = Vec::new();
        loop {
            let info = js
                .api(
                    &format!("STREAM.INFO.KV_{}", self.settings.failed_bucket),
                    &json!({ "subjects_filter": format!("{prefix}>"), "offset": keys.len() }),
                )
                .await
                .map_err(|e| e.context("failed-jobs list"))?;
            let page = info["state"]["subjects"].as_object();
            let before = keys.len();
            keys.extend(
                page.into_iter()
                    .flat_map(|subjects| subjects.keys())
                    .filter_map(|subject| subject.strip_prefix(&prefix))
                    .map(str::to_string),
            );
            let total = info["total"].as_u64().unwrap_or(0) as usize;
            if keys.len() == before || keys.len() >= total {
                return Ok(keys);
            }
        }
    }

    async fn load(&self, bucket: &kv::Store, id: &str) -> Result<Option<FailedJob>> {
        match bucket
            .get(id)
            .await
            .map_err(|e| from_nats(&e, "failed-jobs get"))?
        {
            Some(bytes) if !bytes.is_empty() => Ok(Some(serde_json::from_slice(&bytes)?)),
            _ => Ok(None),
        }
    }

    async fn bucket(&self) -> Result<kv::Store> {
        let name = &self.settings.failed_bucket;
        if let Ok(kv) = self.js.get_key_value(name).await {
            return Ok(kv);
        }
        let config = kv::Config {
            bucket: name.clone(),
            history: 1,
            num_replicas: self.settings.replicas,
            storage: StorageType::File,
            ..Default::default()
        };
        self.js
            .create_key_value(config)
            .await
            .map_err(|e| from_nats(&e, "failed-jobs bucket"))
    }
}
