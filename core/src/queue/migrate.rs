//! Moves queues from the shared stream to the layout the connection configures for them:
//! streams of their own and/or partitions (`natskit queue migrate`).
//!
//! The queue's consumer on the shared stream is paused while its jobs move, so no worker can
//! take a job between its copy and its removal: every waiting job the consumer has not
//! delivered, and every delayed job, is stored in the queue's own stream (on a partitioned
//! queue, in the partition its keys choose; message id `migrate-<stream>-<sequence>`, so a
//! retried migration stores it once) and only then deleted from the shared stream. Jobs
//! reserved by a worker stay where they are: the worker finishes them there, and one released
//! back is moved by the next migration.

use std::time::Duration;

use async_nats::jetstream::stream;
use async_nats::HeaderMap;
use serde::Serialize;

use super::{consumer_name, shared_queue_names, Queue};
use crate::client::Client;
use crate::config::StreamLayout;
use crate::error::{ErrorCode, Result};
use crate::jetstream::ack::PendingAck;
use crate::jetstream::error::from_nats;

/// How long the consumer stays paused at most if a migration dies half-way.
const PAUSE: Duration = Duration::from_secs(300);

/// Delayed jobs due sooner than this are left to the server, which moves them onto the
/// shared queue subject, where the ready pass finds them.
const DUE_SOON: Duration = Duration::from_secs(3);

/// What one queue's migration moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Migrated {
    /// The queue.
    pub queue: String,
    /// The streams the jobs moved to (comma-separated when partitioned over several).
    pub stream: String,
    /// Waiting jobs moved.
    pub ready: u64,
    /// Delayed jobs moved.
    pub delayed: u64,
    /// Jobs left in the shared stream because a worker holds them.
    pub reserved: u64,
}

/// Moves every queue found in the shared stream whose configured layout is another (a
/// stream of its own, or partitions) there (see [`Queue::migrate`]).
pub async fn migrate(client: &Client, connection: &str) -> Result<Vec<Migrated>> {
    let mut moved = Vec::new();
    for name in shared_queue_names(client).await? {
        let queue = Queue::new(client, &name, connection)?;
        if !queue.is_plain_shared() {
            moved.push(queue.migrate().await?);
        }
    }
    Ok(moved)
}

impl Queue {
    /// Moves this queue's waiting and delayed jobs from the shared stream (unpartitioned) to
    /// the layout this connection configures for the queue, losing and duplicating none (jobs
    /// a worker holds stay; see the module docs). A queue configured in the shared stream
    /// without partitions is where its jobs already are: nothing moves.
    pub async fn migrate(&self) -> Result<Migrated> {
        let client = self.client();
        let conn = self.connection_name();
        let source = Queue::build(client, self.name(), conn, StreamLayout::Shared, 1)?;
        let mut streams: Vec<String> = self.stores().iter().map(Queue::stream_name).collect();
        streams.dedup();
        let mut report = Migrated {
            queue: self.name().to_string(),
            stream: streams.join(","),
            ..Default::default()
        };
        if self.is_plain_shared() {
            return Ok(report);
        }
        let js = client.jetstream();
        match js.stream_info(&source.stream_name()).await {
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(report),
            info => drop(info?),
        }
        self.ensure_stream().await?;
        let consumer = source.consumer().await?;
        let (stream_name, durable) = (source.stream_name(), consumer_name(self.name()));
        let until = time::OffsetDateTime::now_utc() + PAUSE;
        js.pause_consumer(&stream_name, &durable, until).await?;
        let moved = source.move_jobs(self, &consumer, &mut report).await;
        let resumed = js.resume_consumer(&stream_name, &durable).await;
        moved?;
        resumed?;
        Ok(report)
    }

    /// With this (shared) queue's consumer paused: moves the delayed jobs, then the waiting
    /// ones the consumer has not delivered.
    async fn move_jobs(
        &self,
        target: &Queue,
        consumer: &async_nats::jetstream::consumer::PullConsumer,
        report: &mut Migrated,
    ) -> Result<()> {
        let info = consumer
            .get_info()
            .await
            .map_err(|e| from_nats(&e, "queue migrate"))?;
        report.reserved = info.num_ack_pending as u64;
        let delivered = info.delivered.stream_sequence;
        let stream = self.stream().await?;
        let due_soon = time::OffsetDateTime::now_utc() + DUE_SOON;
        let mut wait_for = None;
        let schedules = self.schedule_subject(">");
        let mut next = None;
        while let Some(msg) = next_message(&stream, &schedules, next).await? {
            next = Some(msg.sequence + 1);
            let at = schedule_time(&msg.headers);
            if at.is_none_or(|at| at <= due_soon) {
                wait_for = Some(DUE_SOON + Duration::from_secs(2));
                continue;
            }
            let id = msg
                .subject
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_string();
            let mut headers = HeaderMap::new();
            if let Some(schedule) = msg.headers.get(async_nats::header::NATS_SCHEDULE) {
                headers.insert(async_nats::header::NATS_SCHEDULE, schedule.clone());
            }
            let part = target.route_raw(&msg.payload);
            headers.insert(
                async_nats::header::NATS_SCHEDULE_TARGET,
                part.ready_subject().as_str(),
            );
            part.copy_in(&stream, &msg, part.schedule_subject(&id), headers)
                .await?;
            report.delayed += 1;
        }
        if let Some(wait) = wait_for {
            tokio::time::sleep(wait).await;
        }
        let ready = self.ready_subject();
        let mut next = Some(delivered + 1);
        while let Some(msg) = next_message(&stream, &ready, next).await? {
            next = Some(msg.sequence + 1);
            let part = target.route_raw(&msg.payload);
            part.copy_in(&stream, &msg, part.ready_subject(), HeaderMap::new())
                .await?;
            report.ready += 1;
        }
        Ok(())
    }

    /// True when the queue is configured in the shared stream without partitions.
    fn is_plain_shared(&self) -> bool {
        self.layout() == StreamLayout::Shared && self.partitions() == 1
    }

    /// The handle storing the job in `payload` (its partition; itself when unpartitioned).
    fn route_raw(&self, payload: &[u8]) -> &Queue {
        match super::Envelope::from_slice(payload) {
            Ok(env) => self.route(&env).unwrap_or(self),
            Err(_) => self.inner.parts.first().unwrap_or(self),
        }
    }

    /// Stores `msg` of `source` on `subject` of this queue's stream, then deletes it there.
    async fn copy_in(
        &self,
        source: &stream::Stream,
        msg: &async_nats::jetstream::message::StreamMessage,
        subject: String,
        mut headers: HeaderMap,
    ) -> Result<()> {
        let msg_id = format!(
            "migrate-{}-{}",
            source.cached_info().config.name,
            msg.sequence
        );
        headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id.as_str());
        let timeout = self.client().config().jetstream_timeout()?;
        crate::jetstream::election::retry(self.election_window(), || async {
            let ack = self
                .inner
                .js
                .publish_with_headers(subject.clone(), headers.clone(), msg.payload.clone())
                .await
                .map_err(|e| from_nats(&e, "queue migrate"))?;
            PendingAck::new(self.client(), ack, timeout)
                .wait()
                .await
                .map_err(|e| from_nats(&e, "queue migrate"))
                .map(drop)
        })
        .await?;
        match source.delete_message(msg.sequence).await {
            Ok(_) => Ok(()),
            Err(e) => match from_nats(&e, "queue migrate") {
                gone if gone.code() == ErrorCode::NotFound => Ok(()),
                e => Err(e),
            },
        }
    }
}

/// The first message on `subject` from sequence `from`, `None` when there is none.
async fn next_message(
    stream: &stream::Stream,
    subject: &str,
    from: Option<u64>,
) -> Result<Option<async_nats::jetstream::message::StreamMessage>> {
    match stream.direct_get_next_for_subject(subject, from).await {
        Ok(msg) => Ok(Some(msg)),
        Err(e) if e.kind() == stream::DirectGetErrorKind::NotFound => Ok(None),
        Err(e) => Err(from_nats(&e, "queue migrate")),
    }
}

/// When a delayed job's `@at <time>` schedule fires.
fn schedule_time(headers: &HeaderMap) -> Option<time::OffsetDateTime> {
    let value = headers.get(async_nats::header::NATS_SCHEDULE)?.as_str();
    let at = value.strip_prefix("@at ")?;
    time::OffsetDateTime::parse(at.trim(), &time::format_description::well_known::Rfc3339).ok()
}
