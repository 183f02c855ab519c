//! Pulled JetStream messages (metadata and acknowledgements) and continuous consumption.

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::Buffer;
use napi::Env;
use tokio::sync::Mutex;

use crate::client::millis;
use crate::error::Outcome;
use crate::headers;
use crate::runtime::{self, Now};

/// A message pulled from a consumer; acknowledge it with one of the ack methods.
#[napi]
pub struct JsMessage {
    inner: natskit::jetstream::JsMessage,
}

impl From<natskit::jetstream::JsMessage> for JsMessage {
    fn from(inner: natskit::jetstream::JsMessage) -> Self {
        JsMessage { inner }
    }
}

#[napi]
impl JsMessage {
    /// The subject it was published to.
    #[napi(catch_unwind, getter)]
    pub fn subject(&self) -> napi::Result<String> {
        crate::error::guard(|| Ok(self.inner.subject().to_string()))
    }

    /// The ack subject.
    #[napi(catch_unwind, getter)]
    pub fn reply(&self) -> napi::Result<Option<String>> {
        crate::error::guard(|| Ok(self.inner.reply().map(String::from)))
    }

    /// The payload (a copy).
    #[napi(catch_unwind, getter)]
    pub fn data(&self) -> napi::Result<Buffer> {
        crate::error::guard(|| Ok(Buffer::from(self.inner.data())))
    }

    /// Every header with all its values, or `undefined` when there are none.
    #[napi(catch_unwind, getter)]
    pub fn headers(&self) -> napi::Result<Option<HashMap<String, Vec<String>>>> {
        crate::error::guard(|| {
            Ok({
                let h = self.inner.headers();
                (!h.is_empty()).then(|| headers::to_js(&h))
            })
        })
    }

    /// The first value of a header, ignoring the name's case.
    #[napi(catch_unwind)]
    pub fn header(&self, name: String) -> napi::Result<Option<String>> {
        crate::error::guard(|| Ok(self.inner.header(&name)))
    }

    /// The payload as UTF-8 text.
    #[napi(catch_unwind)]
    pub fn string(&self) -> napi::Result<String> {
        crate::error::guard(|| Ok(String::from_utf8_lossy(self.inner.data()).into_owned()))
    }

    /// The payload decoded as JSON; `SERIALIZATION` when it is not JSON.
    #[napi(catch_unwind, ts_return_type = "any")]
    pub fn json(&self) -> Outcome<serde_json::Value> {
        crate::error::guard(|| self.inner.json().into())
    }

    /// Stream, consumer, sequences, delivery count, pending and timestamp (core's names:
    /// `stream_seq`, `consumer_seq`, `timestamp` as RFC 3339).
    #[napi(catch_unwind, getter, ts_return_type = "Metadata")]
    pub fn metadata(&self) -> Outcome<serde_json::Value> {
        crate::error::guard(|| crate::payload::plain(Ok(self.inner.metadata())))
    }

    /// Acknowledges the message (sent without waiting for the server).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn ack<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let msg = self.inner.clone();
            runtime::now_or_later(env, async move { Outcome(msg.ack().await) })
        })
    }

    /// Acknowledges and resolves once the server confirmed it.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn double_ack<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let msg = self.inner.clone();
            runtime::now_or_later(env, async move { Outcome(msg.double_ack().await) })
        })
    }

    /// Asks for redelivery, after `delayMs` when given.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn nak<'env>(
        &self,
        env: &'env Env,
        delay_ms: Option<f64>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let msg = self.inner.clone();
            runtime::now_or_later(env, async move {
                let nak = async {
                    let delay = delay_ms.map(millis).transpose()?;
                    msg.nak(delay).await
                };
                Outcome(nak.await)
            })
        })
    }

    /// Stops redelivery for good, with an optional reason.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn term<'env>(
        &self,
        env: &'env Env,
        reason: Option<String>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let msg = self.inner.clone();
            runtime::now_or_later(
                env,
                async move { Outcome(msg.term(reason.as_deref()).await) },
            )
        })
    }

    /// Tells the server work is ongoing, restarting the ack wait.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn in_progress<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let msg = self.inner.clone();
            runtime::now_or_later(env, async move { Outcome(msg.in_progress().await) })
        })
    }
}

/// The messages of one fetch, held natively: index.js hands out light JavaScript views of
/// them (each is a `JsMessage` to its users) and sends the acks taken in one go with
/// `ack()`; subject and data are read straight from here, the rest from `message()`.
/// `fetch()` returns the views; nothing else needs this class.
#[napi]
pub struct JsMessageBatch {
    messages: Arc<Vec<natskit::jetstream::JsMessage>>,
}

impl JsMessageBatch {
    pub(crate) fn new(messages: Vec<natskit::jetstream::JsMessage>) -> Self {
        JsMessageBatch {
            messages: Arc::new(messages),
        }
    }

    fn at(&self, index: u32) -> napi::Result<&natskit::jetstream::JsMessage> {
        self.messages
            .get(index as usize)
            .ok_or_else(|| napi::Error::from_reason(format!("no message {index} in the batch")))
    }
}

#[napi]
impl JsMessageBatch {
    /// How many messages the fetch returned.
    #[napi(catch_unwind, getter)]
    pub fn length(&self) -> napi::Result<u32> {
        crate::error::guard(|| Ok(self.messages.len() as u32))
    }

    /// The subject of message `index`.
    #[napi(catch_unwind)]
    pub fn subject(&self, index: u32) -> napi::Result<String> {
        crate::error::guard(|| Ok(self.at(index)?.subject().to_string()))
    }

    /// The payload of message `index` (a copy).
    #[napi(catch_unwind)]
    pub fn data(&self, index: u32) -> napi::Result<Buffer> {
        crate::error::guard(|| Ok(Buffer::from(self.at(index)?.data())))
    }

    /// Message `index` as a `JsMessage` of its own.
    #[napi(catch_unwind)]
    pub fn message(&self, index: u32) -> napi::Result<JsMessage> {
        crate::error::guard(|| Ok(JsMessage::from(self.at(index)?.clone())))
    }

    /// Acknowledges the messages at `indices`, in that order (sent without waiting).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn ack<'env>(
        &self,
        env: &'env Env,
        indices: Vec<u32>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            for &index in &indices {
                self.at(index)?;
            }
            let messages = self.messages.clone();
            runtime::now_or_later(env, async move {
                let acks = async {
                    for index in indices {
                        messages[index as usize].ack().await?;
                    }
                    Ok(())
                };
                Outcome(acks.await)
            })
        })
    }
}

/// Continuous consumption from a pull consumer; iterate it with `for await` or `next()`.
#[napi]
pub struct ConsumerMessages {
    inner: Arc<Mutex<natskit::jetstream::Messages>>,
}

impl ConsumerMessages {
    pub(crate) fn new(messages: natskit::jetstream::Messages) -> Self {
        ConsumerMessages {
            inner: Arc::new(Mutex::new(messages)),
        }
    }
}

#[napi]
impl ConsumerMessages {
    /// The next message, or null when `timeoutMs` passes first; `CLOSED` once stopped.
    #[napi(catch_unwind, ts_return_type = "Promise<JsMessage | null>")]
    pub fn next<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Now<'env, Outcome<Option<JsMessage>>>> {
        crate::error::guard(|| {
            let inner = self.inner.clone();
            runtime::now_or_later(env, async move {
                let next = async {
                    let timeout = timeout_ms.map(millis).transpose()?;
                    let got = inner.lock().await.next(timeout).await?;
                    Ok(got.map(JsMessage::from))
                };
                Outcome(next.await)
            })
        })
    }

    /// Stops pulling.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn stop(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move {
            self.inner.lock().await.stop();
            Outcome(Ok(()))
        })
        .await
    }
}
