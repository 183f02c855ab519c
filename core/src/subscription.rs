//! Subscriptions: pull-style `next(timeout)`, batches, a `Stream`, and a drop counter.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{FutureExt, Stream, StreamExt};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::runtime;

/// A subscription to a subject (possibly with wildcards, possibly in a queue group).
///
/// Dropping it unsubscribes. Messages beyond the connection's `subscription_capacity`
/// are dropped, counted in [`Subscription::dropped`] and reported as a slow-consumer event.
#[derive(Debug)]
pub struct Subscription {
    inner: Option<async_nats::Subscriber>,
    client: Client,
    subject: String,
    queue: Option<String>,
    sid: u64,
    dropped: Arc<AtomicU64>,
}

impl Subscription {
    pub(crate) fn new(
        inner: async_nats::Subscriber,
        client: Client,
        subject: &str,
        queue: Option<&str>,
    ) -> Self {
        let sid = sid_of(&inner);
        let dropped = client.hub().track_subscription(sid, subject);
        Subscription {
            inner: Some(inner),
            client,
            subject: subject.to_string(),
            queue: queue.map(String::from),
            sid,
            dropped,
        }
    }

    /// The subject subscribed to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The queue group, if any.
    pub fn queue(&self) -> Option<&str> {
        self.queue.as_deref()
    }

    /// Messages dropped because this subscription fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// True once unsubscribed, drained or closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_none()
    }

    /// Waits for the next message; `Ok(None)` when `timeout` passes first
    /// (`None` waits forever), `CLOSED` once the subscription has ended.
    pub async fn next_timeout(&mut self, timeout: Option<Duration>) -> Result<Option<Message>> {
        runtime::check_generation(self.client.generation())?;
        // A message already buffered needs no timer.
        if let Some(m) = self.try_next()? {
            return Ok(Some(m));
        }
        let client = self.client.clone();
        let sub = self.live()?;
        let received = match timeout {
            Some(t) => match tokio::time::timeout(t, sub.next()).await {
                Ok(m) => m,
                Err(_) => return Ok(None),
            },
            None => sub.next().await,
        };
        match received {
            Some(m) => Ok(Some(Message::new(m, client))),
            None => {
                self.close_inner();
                Err(self.ended())
            }
        }
    }

    /// A message that has already arrived, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Message>> {
        let client = self.client.clone();
        let sub = self.live()?;
        // Unconstrained: tokio's cooperative budget would otherwise report "not ready"
        // after 128 messages even though more are buffered.
        match tokio::task::unconstrained(sub.next()).now_or_never() {
            Some(Some(m)) => Ok(Some(Message::new(m, client))),
            Some(None) => {
                self.close_inner();
                Err(self.ended())
            }
            None => Ok(None),
        }
    }

    /// Waits up to `timeout` for a first message, then takes up to `max` that are ready.
    /// An empty batch means the timeout passed.
    pub async fn next_batch(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
    ) -> Result<Vec<Message>> {
        let Some(first) = self.next_timeout(timeout).await? else {
            return Ok(Vec::new());
        };
        let mut batch = Vec::with_capacity(max.clamp(1, 1024));
        batch.push(first);
        while batch.len() < max {
            match self.try_next() {
                Ok(Some(m)) => batch.push(m),
                _ => break,
            }
        }
        Ok(batch)
    }

    /// Stops interest now; messages already buffered are discarded.
    pub async fn unsubscribe(&mut self) -> Result<()> {
        if let Some(mut sub) = self.inner.take() {
            self.client.hub().untrack_subscription(self.sid);
            sub.unsubscribe()
                .await
                .map_err(|e| Error::closed(format!("unsubscribe from {}: {e}", self.subject)))?;
        }
        Ok(())
    }

    /// Stops interest but keeps delivering what the server already sent; the
    /// subscription ends (`CLOSED`) after the last buffered message.
    pub async fn drain(&mut self) -> Result<()> {
        let subject = self.subject.clone();
        self.live()?
            .drain()
            .await
            .map_err(|e| Error::closed(format!("drain {subject}: {e}")))
    }

    fn live(&mut self) -> Result<&mut async_nats::Subscriber> {
        let subject = &self.subject;
        self.inner
            .as_mut()
            .ok_or_else(|| Error::closed(format!("the subscription to {subject} is closed")))
    }

    fn ended(&self) -> Error {
        Error::closed(format!(
            "the subscription to {} has ended (unsubscribed, drained or connection closed)",
            self.subject
        ))
    }

    fn close_inner(&mut self) {
        if let Some(sub) = self.inner.take() {
            self.client.hub().untrack_subscription(self.sid);
            runtime::enter(|| drop(sub));
        }
    }
}

/// Waits for the first message on any of `subs` and says which one it came from:
/// messages already buffered are taken first (in slice order), `Ok(None)` when `timeout`
/// passes, `CLOSED` when one of them has ended. Lets a single-threaded host (PHP) serve
/// many subscriptions from one blocking call.
pub async fn next_any(
    subs: &mut [&mut Subscription],
    timeout: Option<Duration>,
) -> Result<Option<(usize, Message)>> {
    for (i, sub) in subs.iter_mut().enumerate() {
        if let Some(m) = sub.try_next()? {
            return Ok(Some((i, m)));
        }
    }
    if subs.is_empty() {
        let Some(t) = timeout else {
            return Err(Error::invalid_argument(
                "next_any: no subscriptions to wait on and no timeout",
            ));
        };
        tokio::time::sleep(t).await;
        return Ok(None);
    }
    let waits = subs.iter_mut().enumerate().map(|(i, sub)| {
        Box::pin(async move { sub.next_timeout(None).await.map(|m| m.map(|m| (i, m))) })
    });
    let first = futures::future::select_all(waits);
    match timeout {
        Some(t) => match tokio::time::timeout(t, first).await {
            Ok((received, ..)) => received,
            Err(_) => Ok(None),
        },
        None => first.await.0,
    }
}

impl Stream for Subscription {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let client = self.client.clone();
        let Some(sub) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match sub.poll_next_unpin(cx) {
            Poll::Ready(Some(m)) => Poll::Ready(Some(Message::new(m, client))),
            Poll::Ready(None) => {
                self.close_inner();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.close_inner();
    }
}

/// async-nats keeps the subscription id private but prints it in `Debug`; it is the key
/// of its slow-consumer events, which feed this subscription's drop counter.
fn sid_of(sub: &async_nats::Subscriber) -> u64 {
    let text = format!("{sub:?}");
    text.split("sid: ")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::LocalServer;

    #[tokio::test]
    async fn next_any_says_which_subscription_received() {
        let server = tokio::task::spawn_blocking(LocalServer::start)
            .await
            .unwrap()
            .unwrap();
        let client = crate::connect(&server.url()).await.unwrap();
        let mut a = client.subscribe("any.a", None).await.unwrap();
        let mut b = client.subscribe("any.b", None).await.unwrap();
        let short = Some(Duration::from_millis(50));
        assert!(next_any(&mut [&mut a, &mut b], short)
            .await
            .unwrap()
            .is_none());
        client.publish("any.b", "to b").await.unwrap();
        let (i, m) = next_any(&mut [&mut a, &mut b], Some(Duration::from_secs(5)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((i, m.data()), (1, &b"to b"[..]));
        a.unsubscribe().await.unwrap();
        let ended = next_any(&mut [&mut a, &mut b], short).await.unwrap_err();
        assert_eq!(ended.code(), crate::ErrorCode::Closed);
        client.close().await.unwrap();
    }
}
