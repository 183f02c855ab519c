//! Continuous pull consumption: [`PullConsumer::messages`] keeps pulls of `batch` messages
//! open in the background while the caller takes them one at a time with [`Messages::next`];
//! a [`MessagesControl`] stops it from another task or thread.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::error::from_nats;
use super::pull::{JsMessage, PullConsumer};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::runtime;
use crate::units::{self, Unit};

/// How `consume` pulls; from a host's object with [`ConsumeOptions::from_host`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumeOptions {
    /// Messages per pull request (default 256).
    pub batch: usize,
    /// How long each pull stays open on the server (`None` = 30 s, capped by the
    /// consumer's `max_expires`).
    pub expires: Option<Duration>,
}

impl Default for ConsumeOptions {
    fn default() -> Self {
        ConsumeOptions {
            batch: 256,
            expires: None,
        }
    }
}

impl ConsumeOptions {
    /// Options from a host's object `{"batch": n, "expires": d}` (`expires` in `unit`);
    /// `null` is the defaults. Anything else is an `INVALID_ARGUMENT`.
    pub fn from_host(value: serde_json::Value, unit: Unit) -> Result<ConsumeOptions> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields, default)]
        struct Host {
            batch: Option<f64>,
            expires: Option<f64>,
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
        Ok(ConsumeOptions { batch, expires })
    }
}

impl PullConsumer {
    /// Consumes continuously: pulls of `options.batch` messages, each expiring after
    /// `options.expires`, are renewed in the background while the caller takes messages.
    pub async fn messages(&self, options: &ConsumeOptions) -> Result<Messages> {
        self.client.check_open()?;
        let mut builder = self
            .inner
            .stream()
            .max_messages_per_batch(options.batch.max(1));
        if let Some(expires) = options.expires {
            builder = builder.expires(expires);
        }
        let stream = builder
            .messages()
            .await
            .map_err(|e| from_nats(&e, "consume"))?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        Ok(Messages {
            inner: Some(stream),
            client: self.client.clone(),
            control: MessagesControl(Arc::new(stop)),
            stopped,
        })
    }
}

/// A continuous pull subscription; dropping it stops the pulls.
pub struct Messages {
    inner: Option<async_nats::jetstream::consumer::pull::Stream>,
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
            Some(Some(Err(e))) => Err(from_nats(&e, "consume")),
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
                expires: Some(Duration::from_millis(1500))
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
        for bad in [
            json!({"batch": 0}),
            json!({"batch": 1.5}),
            json!({"batch": -1}),
            json!({"expires": -1}),
            json!({"expires": 0}),
            json!({"max": 3}),
            json!({"batch": "10"}),
            json!([10]),
        ] {
            let err = ConsumeOptions::from_host(bad.clone(), Unit::Seconds).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad}");
        }
    }
}
