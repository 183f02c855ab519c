//! Pull consumption: fetch one or a batch (continuous pulls are in `consume`); the JetStream message
//! with its metadata and acknowledgements. Every pull request carries `expires`, so no
//! request is left waiting on the server after the caller gives up.

use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer as NatsPullConsumer;
use async_nats::jetstream::AckKind;
use bytes::Bytes;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

use super::error::from_nats;
use super::{check_name, Context};
use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::headers::Headers;
use crate::runtime;

/// How a fetch waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// How long the pull stays open on the server (`expires`); `None` = the API timeout.
    pub timeout: Option<Duration>,
    /// Return at once with what is available instead of waiting for messages.
    pub no_wait: bool,
}

/// Where a pulled message comes from, parsed from its ack subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// Stream name.
    pub stream: String,
    /// Consumer name.
    pub consumer: String,
    /// Sequence in the stream.
    pub stream_seq: u64,
    /// Sequence in the consumer (counts redeliveries).
    pub consumer_seq: u64,
    /// Delivery attempt, from 1.
    pub delivered: u64,
    /// Messages still pending for the consumer after this one.
    pub pending: u64,
    /// When the server stored the message.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub timestamp: OffsetDateTime,
    /// JetStream domain, if the server reports one.
    pub domain: Option<String>,
}

/// A message pulled from a consumer; acknowledge it with one of the ack methods.
#[derive(Debug, Clone)]
pub struct JsMessage {
    inner: async_nats::jetstream::Message,
    metadata: Metadata,
    client: Client,
}

impl JsMessage {
    pub(super) fn new(inner: async_nats::jetstream::Message, client: Client) -> Result<Self> {
        let info = inner
            .info()
            .map_err(|e| Error::new(ErrorCode::JetStream, format!("bad ack subject: {e}")))?;
        let metadata = Metadata {
            stream: info.stream.to_string(),
            consumer: info.consumer.to_string(),
            stream_seq: info.stream_sequence,
            consumer_seq: info.consumer_sequence,
            delivered: info.delivered.max(0) as u64,
            pending: info.pending,
            timestamp: info.published,
            domain: info.domain.map(str::to_string),
        };
        Ok(JsMessage {
            inner,
            metadata,
            client,
        })
    }

    /// The subject it was published to.
    pub fn subject(&self) -> &str {
        self.inner.subject.as_str()
    }

    /// The payload (cheap to clone).
    pub fn payload(&self) -> &Bytes {
        &self.inner.payload
    }

    /// The payload as a byte slice.
    pub fn data(&self) -> &[u8] {
        &self.inner.payload
    }

    /// Every header (empty when there are none).
    pub fn headers(&self) -> Headers {
        self.inner
            .headers
            .as_ref()
            .map(Headers::from_header_map)
            .unwrap_or_default()
    }

    /// The first value of a header, ignoring the name's case.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers().get(name).map(str::to_string)
    }

    /// The publisher's W3C trace context (see [`crate::Message::trace_context`]).
    pub fn trace_context(&self) -> Option<crate::TraceContext> {
        let headers = self.inner.headers.as_ref()?;
        crate::TraceContext::from_headers(&Headers::from_header_map(headers))
    }

    /// Decodes the payload as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.inner.payload).map_err(|e| {
            Error::serialization(format!(
                "payload on {} is not valid JSON: {e}",
                self.subject()
            ))
        })
    }

    /// Stream, consumer, sequences, delivery count, pending count and timestamp.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The ack subject.
    pub fn reply(&self) -> Option<&str> {
        self.inner.reply.as_ref().map(|s| s.as_str())
    }

    /// Acknowledges the message (fire and forget).
    pub async fn ack(&self) -> Result<()> {
        self.send(AckKind::Ack).await
    }

    /// Acknowledges and waits until the server confirms it.
    pub async fn double_ack(&self) -> Result<()> {
        self.client.check_open()?;
        self.inner
            .double_ack()
            .await
            .map_err(|e| ack_error("double ack", &*e))
    }

    /// Asks for redelivery, after `delay` if given.
    pub async fn nak(&self, delay: Option<Duration>) -> Result<()> {
        self.send(AckKind::Nak(delay)).await
    }

    /// Stops redelivery for good, with an optional reason the server reports in advisories.
    pub async fn term(&self, reason: Option<&str>) -> Result<()> {
        match reason.filter(|r| !r.is_empty()) {
            None => self.send(AckKind::Term).await,
            Some(reason) => {
                let reply = self.ack_subject()?;
                self.client.publish(reply, format!("+TERM {reason}")).await
            }
        }
    }

    /// Tells the server work is ongoing, restarting the ack wait.
    pub async fn in_progress(&self) -> Result<()> {
        self.send(AckKind::Progress).await
    }

    async fn send(&self, kind: AckKind) -> Result<()> {
        self.client.check_open()?;
        self.inner
            .ack_with(kind)
            .await
            .map_err(|e| ack_error("ack", &*e))
    }

    fn ack_subject(&self) -> Result<&str> {
        self.reply()
            .ok_or_else(|| Error::invalid_argument("the message has no ack subject"))
    }
}

fn ack_error(what: &str, err: &(dyn std::error::Error + Send + Sync + 'static)) -> Error {
    Error::new(ErrorCode::Io, format!("{what}: {err}"))
}

/// A handle to a pull consumer, for repeated fetches without looking it up each time.
#[derive(Debug, Clone)]
pub struct PullConsumer {
    pub(super) inner: NatsPullConsumer,
    pub(super) client: Client,
    timeout: Duration,
}

impl PullConsumer {
    /// The stream name.
    pub fn stream(&self) -> &str {
        &self.inner.cached_info().stream_name
    }

    /// The consumer name.
    pub fn name(&self) -> &str {
        &self.inner.cached_info().name
    }

    /// Fetches up to `max` messages: those available now, or, when none is, the first that
    /// arrives within the timeout and whatever is available right after it. With `no_wait`
    /// it never waits. Every pull expires on the server, so none is left waiting there.
    pub async fn fetch(&self, max: usize, options: &FetchOptions) -> Result<Vec<JsMessage>> {
        self.client.check_open()?;
        if max == 0 {
            return Err(Error::invalid_argument("fetch: max must be at least 1"));
        }
        let expires = options.timeout.unwrap_or(self.timeout);
        if expires < Duration::from_millis(1) {
            return Err(Error::invalid_argument(
                "fetch: timeout must be at least 1 ms",
            ));
        }
        let mut messages = self.pull(max, expires, true).await?;
        if messages.is_empty() && !options.no_wait {
            // Nothing there yet: wait for one, then take what came with it.
            messages = self.pull(1, expires, false).await?;
            if !messages.is_empty() && max > 1 {
                // The first message is the caller's now; a failed top-up only ends the batch.
                if let Ok(more) = self.pull(max - 1, expires, true).await {
                    messages.extend(more);
                }
            }
        }
        Ok(messages)
    }

    /// One pull request for up to `max` messages: `no_wait` ends it when none is left (the
    /// server answers at once, so it carries no `expires`: with one the server would hold an
    /// empty pull until it expired), otherwise it ends with `max` messages or at `expires`.
    async fn pull(&self, max: usize, expires: Duration, no_wait: bool) -> Result<Vec<JsMessage>> {
        let batch = if no_wait {
            self.inner.fetch().max_messages(max).messages().await
        } else {
            self.inner
                .batch()
                .max_messages(max)
                .expires(expires)
                .messages()
                .await
        }
        .map_err(|e| from_nats(&e, "fetch"))?;
        let mut batch = Box::pin(batch);
        let mut messages = Vec::with_capacity(max.min(1024));
        while let Some(next) = batch.next().await {
            match next {
                Ok(m) => messages.push(JsMessage::new(m, self.client.clone())?),
                Err(e) if messages.is_empty() => return Err(pull_error(&*e)),
                Err(_) => break,
            }
        }
        runtime::enter(|| drop(batch));
        Ok(messages)
    }

    /// Fetches one message; `Ok(None)` when none arrived in time (or none is available
    /// with `no_wait`).
    pub async fn next(&self, options: &FetchOptions) -> Result<Option<JsMessage>> {
        Ok(self.fetch(1, options).await?.into_iter().next())
    }
}

fn pull_error(err: &(dyn std::error::Error + Send + Sync + 'static)) -> Error {
    Error::new(ErrorCode::JetStream, format!("pull: {err}"))
}

impl Context {
    /// A handle to the pull consumer `consumer` of `stream` (looked up once, then cached).
    pub async fn pull_consumer(&self, stream: &str, consumer: &str) -> Result<PullConsumer> {
        check_name("stream", stream)?;
        check_name("consumer", consumer)?;
        let key = (stream.to_string(), consumer.to_string());
        if let Some(found) = self.consumers.lock().unwrap().get(&key) {
            return Ok(found.clone());
        }
        self.consumer_info(stream, consumer).await?;
        let inner: NatsPullConsumer = self
            .js
            .get_consumer_from_stream(consumer, stream)
            .await
            .map_err(|e| from_nats(&e, &format!("consumer {stream}/{consumer}")))?;
        let handle = PullConsumer {
            inner,
            client: self.client.clone(),
            timeout: self.timeout,
        };
        self.consumers.lock().unwrap().insert(key, handle.clone());
        Ok(handle)
    }

    /// Fetches up to `max` messages from `stream`/`consumer` (see [`PullConsumer::fetch`]).
    pub async fn fetch(
        &self,
        stream: &str,
        consumer: &str,
        max: usize,
        options: &FetchOptions,
    ) -> Result<Vec<JsMessage>> {
        self.pull_consumer(stream, consumer)
            .await?
            .fetch(max, options)
            .await
    }

    /// Fetches one message from `stream`/`consumer`; `Ok(None)` when none arrived in time.
    pub async fn fetch_next(
        &self,
        stream: &str,
        consumer: &str,
        options: &FetchOptions,
    ) -> Result<Option<JsMessage>> {
        self.pull_consumer(stream, consumer)
            .await?
            .next(options)
            .await
    }

    pub(crate) fn forget_consumer(&self, stream: &str, consumer: &str) {
        self.consumers
            .lock()
            .unwrap()
            .remove(&(stream.to_string(), consumer.to_string()));
    }

    pub(crate) fn forget_consumers(&self, stream: &str) {
        self.consumers
            .lock()
            .unwrap()
            .retain(|(s, _), _| s != stream);
    }
}
