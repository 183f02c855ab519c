//! Publishing to a stream with an ack: message id (dedup), expectations, per-message TTL,
//! and pipelined publishing with a bounded number of acks in flight.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::context::{PublishError, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::publish::PublishAck;
use bytes::Bytes;
use serde::Serialize;
use tokio::sync::Notify;

use super::ack::PendingAck;
use super::error::from_nats;
use super::Context;
use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::headers::Headers;
use crate::subject;

/// Settings of one JetStream publish.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishOptions {
    /// `Nats-Msg-Id`: a second publish with the same id inside the stream's duplicate
    /// window is stored once.
    pub msg_id: Option<String>,
    /// Fail unless the subject belongs to this stream.
    pub expected_stream: Option<String>,
    /// Fail unless the stream's last sequence is this.
    pub expected_last_seq: Option<u64>,
    /// Fail unless the stream's last message id is this.
    pub expected_last_msg_id: Option<String>,
    /// Fail unless the last sequence on this subject is this.
    pub expected_last_subject_seq: Option<u64>,
    /// Per-message TTL, whole seconds (the stream needs `allow_msg_ttl`).
    pub ttl: Option<Duration>,
    /// Extra headers.
    pub headers: Option<Headers>,
}

impl PublishOptions {
    /// Reads a host's options object (the fields above, `ttl` in the host's `unit`, `headers`
    /// as `{"Name": "v"}` or `{"Name": ["v1", "v2"]}`); `null` means none.
    pub fn from_host(value: serde_json::Value, unit: crate::Unit) -> Result<Self> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields, default)]
        struct Host {
            msg_id: Option<String>,
            expected_stream: Option<String>,
            expected_last_seq: Option<u64>,
            expected_last_msg_id: Option<String>,
            expected_last_subject_seq: Option<u64>,
            ttl: Option<f64>,
            headers: Option<serde_json::Value>,
        }
        if value.is_null() {
            return Ok(PublishOptions::default());
        }
        let o: Host = serde_json::from_value(value)
            .map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("publish options: {e}")))?;
        Ok(PublishOptions {
            msg_id: o.msg_id,
            expected_stream: o.expected_stream,
            expected_last_seq: o.expected_last_seq,
            expected_last_msg_id: o.expected_last_msg_id,
            expected_last_subject_seq: o.expected_last_subject_seq,
            ttl: unit.optional(o.ttl, "ttl")?,
            headers: o.headers.as_ref().map(Headers::from_json).transpose()?,
        })
    }
}

/// The server's acknowledgement of a stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PubAck {
    /// The stream that stored it.
    pub stream: String,
    /// Its stream sequence.
    pub sequence: u64,
    /// True when it was a duplicate (same msg id) and not stored again.
    pub duplicate: bool,
    /// The JetStream domain, if any.
    pub domain: Option<String>,
}

impl From<PublishAck> for PubAck {
    fn from(ack: PublishAck) -> Self {
        PubAck {
            stream: ack.stream,
            sequence: ack.sequence,
            duplicate: ack.duplicate,
            domain: Some(ack.domain).filter(|d| !d.is_empty()),
        }
    }
}

/// What a batch of pipelined publishes ended with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PublishSummary {
    /// Publishes the server acknowledged.
    pub acked: u64,
    /// Of those, duplicates that were not stored again.
    pub duplicates: u64,
    /// Highest stream sequence acknowledged.
    pub last_sequence: u64,
}

impl Context {
    /// Publishes to a stream and waits for the server's ack.
    pub async fn publish(
        &self,
        subject: &str,
        payload: impl Into<Bytes>,
        options: &PublishOptions,
    ) -> Result<PubAck> {
        let pending = send(self, subject, payload.into(), options).await?;
        let ack = pending
            .wait()
            .await
            .map_err(|e| publish_error(e, subject))?;
        Ok(ack.into())
    }

    /// A pipelined publisher keeping at most `max_in_flight` (at least 1) acks outstanding;
    /// 0 is an `INVALID_ARGUMENT`.
    pub fn publisher(&self, max_in_flight: usize) -> Result<AsyncPublisher> {
        if max_in_flight == 0 {
            return Err(Error::invalid_argument("max_in_flight: must be at least 1"));
        }
        Ok(AsyncPublisher {
            context: self.clone(),
            max_in_flight,
            state: Arc::default(),
        })
    }
}

async fn send(
    context: &Context,
    subject: &str,
    payload: Bytes,
    options: &PublishOptions,
) -> Result<PendingAck> {
    context.client().check_open()?;
    subject::validate_publish(subject)?;
    let message = build(payload, options)?;
    context.client().settle_staged().await;
    let ack = context
        .js
        .send_publish(subject.to_string(), message)
        .await
        .map_err(|e| publish_error(e, subject))?;
    Ok(PendingAck::new(context.client(), ack, context.timeout()))
}

fn build(payload: Bytes, options: &PublishOptions) -> Result<PublishMessage> {
    let mut m = PublishMessage::build().payload(payload);
    if let Some(headers) = &options.headers {
        m = m.headers(headers.to_header_map()?);
    }
    if let Some(id) = &options.msg_id {
        m = m.message_id(id);
    }
    if let Some(stream) = &options.expected_stream {
        m = m.expected_stream(stream);
    }
    if let Some(seq) = options.expected_last_seq {
        m = m.expected_last_sequence(seq);
    }
    if let Some(id) = &options.expected_last_msg_id {
        m = m.expected_last_message_id(id);
    }
    if let Some(seq) = options.expected_last_subject_seq {
        m = m.expected_last_subject_sequence(seq);
    }
    if let Some(ttl) = options.ttl {
        m = m.ttl(crate::units::message_ttl(ttl)?);
    }
    Ok(m)
}

fn publish_error(err: PublishError, subject: &str) -> Error {
    match err.kind() {
        PublishErrorKind::StreamNotFound => Error::new(
            ErrorCode::NoResponders,
            format!("no stream captures subject {subject} (or JetStream is not enabled)"),
        ),
        PublishErrorKind::BrokenPipe => Error::new(
            ErrorCode::Io,
            format!(
                "publish to {subject}: the connection was lost before the stream's ack; the \
                 message may or may not be stored (publish it again with the same msg_id)"
            ),
        ),
        PublishErrorKind::TimedOut => Error::timeout(format!(
            "publish to {subject}: no ack from the stream in time"
        )),
        PublishErrorKind::MaxPayloadExceeded => Error::new(
            ErrorCode::PayloadTooLarge,
            format!("publish to {subject}: {err}"),
        ),
        _ => from_nats(&err, &format!("publish to {subject}")),
    }
}

/// Publishes without waiting for each ack; at most `max_in_flight` acks are outstanding.
/// A publish that finds the window full first collects acks until an eighth of it is free, so a
/// publisher waits (and wakes) once per batch of acks, not once per ack; no task runs in the
/// background. [`AsyncPublisher::wait`] collects the rest and reports the outcome.
#[derive(Debug, Clone)]
pub struct AsyncPublisher {
    context: Context,
    max_in_flight: usize,
    state: Arc<State>,
}

/// A publish whose ack is on its way back.
#[derive(Debug)]
struct InFlight {
    ack: PendingAck,
    subject: String,
}

#[derive(Debug, Default)]
struct State {
    /// Publishes sent whose ack was not collected yet.
    pending: AtomicUsize,
    /// Their ack futures, oldest first (those being collected are taken out).
    sent: Mutex<VecDeque<InFlight>>,
    acked: AtomicU64,
    duplicates: AtomicU64,
    last_seq: AtomicU64,
    first_error: Mutex<Option<Error>>,
    /// Signalled after every batch of collected acks.
    progress: Notify,
}

impl AsyncPublisher {
    /// The client the publisher sends through.
    pub fn client(&self) -> &Client {
        self.context.client()
    }

    /// Sends one message; returns once it is on its way. With the window full it first
    /// collects acks until an eighth of the window is free.
    pub async fn publish(
        &self,
        subject: &str,
        payload: impl Into<Bytes>,
        options: &PublishOptions,
    ) -> Result<()> {
        if self.state.pending.load(Ordering::SeqCst) >= self.max_in_flight {
            self.collect_down_to(self.max_in_flight - self.max_in_flight.div_ceil(8))
                .await;
        }
        let ack = send(&self.context, subject, payload.into(), options).await?;
        self.state.pending.fetch_add(1, Ordering::SeqCst);
        self.state.sent.lock().unwrap().push_back(InFlight {
            ack,
            subject: subject.to_string(),
        });
        Ok(())
    }

    /// Collects the oldest acks until at most `target` are outstanding.
    async fn collect_down_to(&self, target: usize) {
        loop {
            let progress = self.state.progress.notified();
            let pending = self.state.pending.load(Ordering::SeqCst);
            if pending <= target {
                return;
            }
            let batch: Vec<InFlight> = {
                let mut sent = self.state.sent.lock().unwrap();
                let take = (pending - target).min(sent.len());
                sent.drain(..take).collect()
            };
            if batch.is_empty() {
                // Another caller is collecting the rest.
                progress.await;
                continue;
            }
            futures::future::join_all(batch.into_iter().map(|f| settle(&self.state, f))).await;
            self.state.progress.notify_waiters();
        }
    }

    /// Publishes whose ack is still outstanding.
    pub fn in_flight(&self) -> usize {
        self.state.pending.load(Ordering::SeqCst)
    }

    /// Waits for every outstanding ack; returns the counts since the last `wait`, or the
    /// first failure.
    pub async fn wait(&self) -> Result<PublishSummary> {
        self.collect_down_to(0).await;
        let summary = PublishSummary {
            acked: self.state.acked.swap(0, Ordering::Relaxed),
            duplicates: self.state.duplicates.swap(0, Ordering::Relaxed),
            last_sequence: self.state.last_seq.swap(0, Ordering::Relaxed),
        };
        match self.state.first_error.lock().unwrap().take() {
            Some(e) => Err(e),
            None => Ok(summary),
        }
    }
}

/// Records one ack (or the first failure).
async fn settle(state: &State, in_flight: InFlight) {
    let InFlight { ack, subject } = in_flight;
    match ack.wait().await {
        Ok(ack) => {
            state.acked.fetch_add(1, Ordering::Relaxed);
            if ack.duplicate {
                state.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            state.last_seq.fetch_max(ack.sequence, Ordering::Relaxed);
        }
        Err(e) => {
            let mut first = state.first_error.lock().unwrap();
            first.get_or_insert_with(|| publish_error(e, &subject));
        }
    }
    state.pending.fetch_sub(1, Ordering::SeqCst);
}
