//! Pulled JetStream messages (metadata and acknowledgements) and continuous consumption.

use std::sync::Arc;

use napi::bindgen_prelude::Buffer;
use napi::Env;
use tokio::sync::Mutex;

use crate::client::millis;
use crate::error::Outcome;
use crate::message::received;
use crate::runtime::{self, Now};

/// A message pulled from a consumer; acknowledge it with one of the ack methods.
#[napi]
pub struct JsMessage {
    inner: natskit::jetstream::JsMessage,
}

/// The messages of one fetch, held natively: index.js hands out light JavaScript views of
/// them (each is a `JsMessage` to its users) and sends the acks taken in one go with
/// `ack()`; subject and data are read straight from here, the rest from `message()`.
/// `fetch()` returns the views; nothing else needs this class.
#[napi]
pub struct JsMessageBatch {
    messages: Arc<Vec<natskit::jetstream::JsMessage>>,
}

received!(JsMessage, JsMessageBatch, natskit::jetstream::JsMessage);

impl JsMessage {
    /// Sends one acknowledgement of this message.
    fn acknowledge<'env, F>(
        &self,
        env: &'env Env,
        send: impl FnOnce(natskit::jetstream::JsMessage) -> F,
    ) -> napi::Result<Now<'env, Outcome<()>>>
    where
        F: std::future::Future<Output = natskit::Result<()>> + Send + 'static,
    {
        crate::error::guard(|| runtime::now_or_later(env, send(self.inner.clone())))
    }
}

#[napi]
impl JsMessage {
    /// Stream, consumer, sequences, delivery count, pending and timestamp (core's names:
    /// `stream_seq`, `consumer_seq`, `timestamp` as RFC 3339).
    #[napi(catch_unwind, getter, ts_return_type = "Metadata")]
    pub fn metadata(&self) -> Outcome<serde_json::Value> {
        crate::error::outcome(|| crate::payload::plain(self.inner.metadata()))
    }

    /// Acknowledges the message (sent without waiting for the server).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn ack<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        self.acknowledge(env, |msg| async move { msg.ack().await })
    }

    /// Acknowledges and resolves once the server confirmed it.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn double_ack<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        self.acknowledge(env, |msg| async move { msg.double_ack().await })
    }

    /// Asks for redelivery, after `delayMs` when given.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn nak<'env>(
        &self,
        env: &'env Env,
        delay_ms: Option<f64>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        self.acknowledge(env, move |msg| async move {
            msg.nak(delay_ms.map(millis).transpose()?).await
        })
    }

    /// Stops redelivery for good, with an optional reason.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn term<'env>(
        &self,
        env: &'env Env,
        reason: Option<String>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        self.acknowledge(env, |msg| async move { msg.term(reason.as_deref()).await })
    }

    /// Tells the server work is ongoing, restarting the ack wait.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn in_progress<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        self.acknowledge(env, |msg| async move { msg.in_progress().await })
    }
}

impl JsMessageBatch {
    pub(crate) fn new(messages: Vec<natskit::jetstream::JsMessage>) -> Self {
        JsMessageBatch {
            messages: Arc::new(messages),
        }
    }
}

#[napi]
impl JsMessageBatch {
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
                for index in indices {
                    messages[index as usize].ack().await?;
                }
                Ok(())
            })
        })
    }
}

/// Continuous consumption of a consumer (`consume`) or of a stream in order (`ordered`);
/// iterate it with `for await` or `next()`.
#[napi]
pub struct ConsumerMessages {
    inner: Arc<Mutex<natskit::jetstream::Messages>>,
    control: natskit::jetstream::MessagesControl,
}

impl ConsumerMessages {
    pub(crate) fn new(messages: natskit::jetstream::Messages) -> Self {
        ConsumerMessages {
            control: messages.control(),
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
                let timeout = timeout_ms.map(millis).transpose()?;
                let got = inner.lock().await.next(timeout).await?;
                Ok(got.map(JsMessage::from))
            })
        })
    }

    /// Stops pulling; a pending `next()` rejects with `CLOSED`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn stop(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move {
            self.control.stop();
            self.inner.lock().await.stop();
            Ok(())
        })
        .await
    }
}
