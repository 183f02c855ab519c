//! A received message, with the client it came from so it can be answered.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::client::{Client, PublishOptions};
use crate::error::{Error, ErrorCode, Result};
use crate::headers::Headers;

/// A message received from a subscription or as a reply.
#[derive(Debug, Clone)]
pub struct Message {
    inner: async_nats::Message,
    client: Client,
}

impl Message {
    pub(crate) fn new(inner: async_nats::Message, client: Client) -> Self {
        Message { inner, client }
    }

    /// The subject it was published to.
    pub fn subject(&self) -> &str {
        self.inner.subject.as_str()
    }

    /// The reply subject, when the sender expects an answer.
    pub fn reply(&self) -> Option<&str> {
        self.inner.reply.as_ref().map(|s| s.as_str())
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

    /// True when the message carries headers.
    pub fn has_headers(&self) -> bool {
        self.inner.headers.as_ref().is_some_and(|h| !h.is_empty())
    }

    /// The first value of a header, ignoring the name's case.
    pub fn header(&self, name: &str) -> Option<&str> {
        let map = self.inner.headers.as_ref()?;
        map.iter()
            .find(|(n, _)| AsRef::<str>::as_ref(*n).eq_ignore_ascii_case(name))
            .and_then(|(_, values)| values.first())
            .map(|v| v.as_str())
    }

    /// The W3C trace context the sender attached (`traceparent`/`tracestate` headers); a
    /// malformed one is none. Nothing is parsed for a message without headers.
    pub fn trace_context(&self) -> Option<crate::TraceContext> {
        crate::TraceContext::received(
            self.header(crate::trace::TRACEPARENT)?,
            self.header(crate::trace::TRACESTATE),
        )
    }

    /// Decodes the payload as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.inner.payload).map_err(|e| {
            Error::new(
                ErrorCode::Serialization,
                format!("payload on {} is not valid JSON: {e}", self.subject()),
            )
        })
    }

    /// Publishes `payload` to this message's reply subject.
    pub async fn respond(&self, payload: impl Into<Bytes>) -> Result<()> {
        self.respond_with(payload.into(), None).await
    }

    /// Publishes a reply with headers.
    pub async fn respond_with(&self, payload: Bytes, headers: Option<&Headers>) -> Result<()> {
        let reply = self.reply().ok_or_else(|| {
            Error::invalid_argument(format!(
                "the message on {} has no reply subject; nobody waits for an answer",
                self.subject()
            ))
        })?;
        let opts = PublishOptions {
            headers,
            reply: None,
        };
        self.client.publish_with(reply, payload, &opts).await
    }

    /// The client the message arrived on.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
