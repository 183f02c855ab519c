//! Continuous consumption: [`Context::consume`] reads a pull consumer (pulls of `batch`
//! messages kept open in the background, with idle heartbeats) or a push consumer (its deliver
//! subject, flow control and heartbeats); [`Context::ordered`](super::Context::ordered) reads a
//! stream in order. The caller takes messages one at a time with [`Messages::next`]; a
//! [`MessagesControl`] stops it from another task or thread.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, push};
use futures::stream::BoxStream;
use futures::StreamExt;

use super::error::from_nats;
use super::pull::{JsMessage, PullConsumer};
use super::{check_name, Context};
use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::runtime;
use crate::units::{self, Unit};

/// The idle heartbeat of `consume` and `ordered` when none is given.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(5);

/// How `consume` pulls; from a host's object with [`ConsumeOptions::from_host`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumeOptions {
    /// Messages per pull request (default 256).
    pub batch: usize,
    /// How long each pull stays open on the server (`None` = 30 s, capped by the
    /// consumer's `max_expires`).
    pub expires: Option<Duration>,
    /// How often the server says it is alive while no message comes (`None` = 5 s, at most
    /// half of `expires`); two missed ones make `next` fail with `TIMEOUT`.
    pub heartbeat: Option<Duration>,
}

impl Default for ConsumeOptions {
    fn default() -> Self {
        ConsumeOptions {
            batch: 256,
            expires: None,
            heartbeat: None,
        }
    }
}

impl ConsumeOptions {
    /// Options from a host's object `{"batch": n, "expires": d, "heartbeat": d}` (durations
    /// in `unit`); `null` is the defaults. Anything else is an `INVALID_ARGUMENT`.
    pub fn from_host(value: serde_json::Value, unit: Unit) -> Result<ConsumeOptions> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields, default)]
        struct Host {
            batch: Option<f64>,
            expires: Option<f64>,
            heartbeat: Option<f64>,
        }
        if value.is_null() {
            return Ok(ConsumeOptions::default());
        }
        if !value.is_object() {
            return Err(Error::invalid_argument(format!(
                "consume options: {value} is not an object"
            )));
        }
        let o: Host = serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("consume options: {e}")))?;
        let batch = match o.batch {
            Some(b) => units::count(b, "batch", 1)? as usize,
            None => ConsumeOptions::default().batch,
        };
        let expires = unit.optional(o.expires, "expires")?;
        if expires.is_some_and(|e| e < Duration::from_millis(1)) {
            return Err(Error::invalid_argument("expires: must be at least 1 ms"));
        }
        let heartbeat = positive(unit.optional(o.heartbeat, "heartbeat")?, "heartbeat")?;
        if let (Some(h), Some(e)) = (heartbeat, expires) {
            if h > e / 2 {
                return Err(Error::invalid_argument(
                    "heartbeat: must be at most half of expires",
                ));
            }
        }
        Ok(ConsumeOptions {
            batch,
            expires,
            heartbeat,
        })
    }

    /// The heartbeat each pull asks for: the one given, or the default within half of expires.
    fn pull_heartbeat(&self) -> Duration {
        self.heartbeat.unwrap_or_else(|| match self.expires {
            Some(e) => DEFAULT_HEARTBEAT.min(e / 2),
            None => DEFAULT_HEARTBEAT,
        })
    }
}

/// Refuses a duration under 1 ms (a heartbeat of 0 would never be missed).
pub(super) fn positive(d: Option<Duration>, what: &str) -> Result<Option<Duration>> {
    if d.is_some_and(|d| d < Duration::from_millis(1)) {
        return Err(Error::invalid_argument(format!(
            "{what}: must be at least 1 ms"
        )));
    }
    Ok(d)
}

impl PullConsumer {
    /// Consumes continuously: pulls of `options.batch` messages, each expiring after
    /// `options.expires` and asking for idle heartbeats, are renewed in the background while
    /// the caller takes messages.
    pub async fn messages(&self, options: &ConsumeOptions) -> Result<Messages> {
        self.client.check_open()?;
        let mut builder = self
            .inner
            .stream()
            .max_messages_per_batch(options.batch.max(1))
            .heartbeat(options.pull_heartbeat());
        if let Some(expires) = options.expires {
            builder = builder.expires(expires);
        }
        let stream = builder
            .messages()
            .await
            .map_err(|e| from_nats(&e, "consume"))?;
        let what = format!("consumer {}/{}", self.stream(), self.name());
        let heartbeat = options.pull_heartbeat();
        Ok(Messages::new(
            stream
                .map(move |next| next.map_err(|e| messages_error(&e, &what, heartbeat)))
                .boxed(),
            &self.client,
        ))
    }
}

/// A message stream's error: a missed heartbeat is `TIMEOUT` (the stream goes on and recovers
/// if the server comes back), a deleted consumer `NOT_FOUND` (the stream ends).
fn messages_error(err: &pull::MessagesError, what: &str, heartbeat: Duration) -> Error {
    match err.kind() {
        pull::MessagesErrorKind::MissingHeartbeat => missed_heartbeat(what, heartbeat),
        pull::MessagesErrorKind::ConsumerDeleted => {
            Error::new(ErrorCode::NotFound, format!("{what} was deleted"))
        }
        _ => from_nats(err, what),
    }
}

fn missed_heartbeat(what: &str, heartbeat: Duration) -> Error {
    Error::timeout(format!(
        "{what}: no message or idle heartbeat for {} ms; is the server reachable and the consumer still there?",
        (heartbeat * 2).as_millis()
    ))
}

impl Context {
    /// Consumes `stream`/`consumer` continuously, whatever its kind: a pull consumer as
    /// [`PullConsumer::messages`], a push consumer through its deliver subject (and deliver
    /// group), answering its flow control; its idle heartbeat is the consumer's own, and
    /// `options` do not apply.
    pub async fn consume(
        &self,
        stream: &str,
        consumer: &str,
        options: &ConsumeOptions,
    ) -> Result<Messages> {
        check_name("stream", stream)?;
        check_name("consumer", consumer)?;
        let info = self.consumer_info(stream, consumer).await?;
        let push = info
            .pointer("/config/deliver_subject")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|s| !s.is_empty());
        if !push {
            return self
                .pull_consumer(stream, consumer)
                .await?
                .messages(options)
                .await;
        }
        let what = format!("consumer {stream}/{consumer}");
        let found: async_nats::jetstream::consumer::PushConsumer = self
            .js
            .get_consumer_from_stream(consumer, stream)
            .await
            .map_err(|e| from_nats(&e, &what))?;
        let heartbeat = found.cached_info().config.idle_heartbeat;
        let messages = found.messages().await.map_err(|e| from_nats(&e, &what))?;
        Ok(Messages::new(
            messages
                .map(move |next| {
                    next.map_err(|e| match e.kind() {
                        push::MessagesErrorKind::MissingHeartbeat => {
                            missed_heartbeat(&what, heartbeat)
                        }
                        _ => from_nats(&e, &what),
                    })
                })
                .boxed(),
            &self.client,
        ))
    }
}

/// The messages of a consumer as they arrive; dropping it stops them.
pub struct Messages {
    inner: Option<BoxStream<'static, Result<async_nats::jetstream::Message>>>,
    client: Client,
    control: MessagesControl,
    stopped: tokio::sync::watch::Receiver<bool>,
}

/// Stops a [`Messages`] from another task or thread while it waits in [`Messages::next`]
/// (hosts keep it behind a lock).
#[derive(Debug, Clone)]
pub struct MessagesControl(Arc<tokio::sync::watch::Sender<bool>>);

impl MessagesControl {
    /// Stops the pulls: a pending or later `next` fails with `CLOSED`.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages").finish_non_exhaustive()
    }
}

impl Messages {
    pub(super) fn new(
        inner: BoxStream<'static, Result<async_nats::jetstream::Message>>,
        client: &Client,
    ) -> Messages {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        Messages {
            inner: Some(inner),
            client: client.clone(),
            control: MessagesControl(Arc::new(stop)),
            stopped,
        }
    }

    /// The next message; `Ok(None)` when `timeout` passed first, `CLOSED` once stopped.
    pub async fn next(&mut self, timeout: Option<Duration>) -> Result<Option<JsMessage>> {
        if *self.stopped.borrow() {
            self.stop();
        }
        let stream = self
            .inner
            .as_mut()
            .ok_or_else(|| Error::closed("the consumer stream was stopped"))?;
        let mut stopped = self.stopped.clone();
        let next = async {
            tokio::select! {
                next = stream.next() => Some(next),
                _ = stopped.wait_for(|s| *s) => None,
            }
        };
        let next = match timeout {
            Some(t) => match tokio::time::timeout(t, next).await {
                Ok(next) => next,
                Err(_) => return Ok(None),
            },
            None => next.await,
        };
        match next {
            Some(Some(Ok(m))) => JsMessage::new(m, self.client.clone()).map(Some),
            Some(Some(Err(e))) => Err(e),
            Some(None) => {
                self.stop();
                Err(Error::closed("the consumer stream ended"))
            }
            None => {
                self.stop();
                Err(Error::closed("the consumer stream was stopped"))
            }
        }
    }

    /// A handle that stops this subscription from elsewhere.
    pub fn control(&self) -> MessagesControl {
        self.control.clone()
    }

    /// Stops pulling.
    pub fn stop(&mut self) {
        self.control.stop();
        if let Some(stream) = self.inner.take() {
            runtime::enter(|| drop(stream));
        }
    }
}

impl Drop for Messages {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use serde_json::json;

    #[test]
    fn options_come_in_the_host_unit_and_refuse_what_cannot_be_pulled() {
        let o = ConsumeOptions::from_host(json!({"batch": 10, "expires": 1.5}), Unit::Seconds);
        assert_eq!(
            o.unwrap(),
            ConsumeOptions {
                batch: 10,
                expires: Some(Duration::from_millis(1500)),
                heartbeat: None,
            }
        );
        let o = ConsumeOptions::from_host(json!({"expires": 250}), Unit::Milliseconds).unwrap();
        assert_eq!(
            (o.batch, o.expires),
            (256, Some(Duration::from_millis(250)))
        );
        assert_eq!(
            ConsumeOptions::from_host(serde_json::Value::Null, Unit::Seconds).unwrap(),
            ConsumeOptions::default()
        );
        let o = ConsumeOptions::from_host(json!({"heartbeat": 500}), Unit::Milliseconds).unwrap();
        assert_eq!(o.pull_heartbeat(), Duration::from_millis(500));
        let o = ConsumeOptions::from_host(json!({"expires": 2}), Unit::Seconds).unwrap();
        assert_eq!(o.pull_heartbeat(), Duration::from_secs(1));
        for bad in [
            json!({"batch": 0}),
            json!({"batch": 1.5}),
            json!({"batch": -1}),
            json!({"expires": -1}),
            json!({"expires": 0}),
            json!({"heartbeat": 0}),
            json!({"heartbeat": 0.6, "expires": 1}),
            json!({"max": 3}),
            json!({"batch": "10"}),
            json!([10]),
        ] {
            let err = ConsumeOptions::from_host(bad.clone(), Unit::Seconds).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad}");
        }
    }
}
