//! Subscriptions: pull-style `next(timeout)`, batches, a `Stream`, and a drop counter.
//!
//! Each subscription owns a buffer of `subscription_capacity` messages, filled from
//! async-nats' subscriber by a small task (and by the reader itself when the buffer is empty,
//! so a message that has arrived is ready at once): a message that finds the buffer full is
//! dropped and counted right there, so the count is exact to the message (async-nats' own
//! slow-consumer events are themselves dropped when many come at once).

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::runtime;

/// What the subscription asks of the task that owns async-nats' subscriber.
enum Control {
    Unsubscribe(oneshot::Sender<std::result::Result<(), String>>),
    Drain(oneshot::Sender<std::result::Result<(), String>>),
}

/// The subscription's end of its buffer.
#[derive(Debug)]
struct Buffer {
    messages: mpsc::Receiver<async_nats::Message>,
    control: mpsc::UnboundedSender<Control>,
    upstream: Arc<Upstream>,
}

/// A subscription to a subject (possibly with wildcards, possibly in a queue group).
///
/// Dropping it unsubscribes. Messages that arrive while `subscription_capacity` messages
/// wait unread are dropped, counted in [`Subscription::dropped`] and reported as a
/// slow-consumer event.
#[derive(Debug)]
pub struct Subscription {
    inner: Option<Buffer>,
    client: Client,
    subject: String,
    queue: Option<String>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Unsubscribe(_) => "Unsubscribe",
            Control::Drain(_) => "Drain",
        })
    }
}

impl Subscription {
    /// Wraps async-nats' subscriber and spawns the task that fills the buffer.
    pub(crate) fn new(
        inner: async_nats::Subscriber,
        client: Client,
        subject: &str,
        queue: Option<&str>,
    ) -> Self {
        let capacity = client.config().subscription_capacity.max(1);
        let (sender, messages) = mpsc::channel(capacity);
        let (control, commands) = mpsc::unbounded_channel();
        let dropped = Arc::new(AtomicU64::new(0));
        let upstream = Arc::new(Upstream {
            state: tokio::sync::Mutex::new(Source {
                subscriber: inner,
                buffer: Some(sender),
            }),
            woken_by_reader: tokio::sync::Notify::new(),
            client: client.clone(),
            subject: subject.to_string(),
            dropped: dropped.clone(),
        });
        // On the caller's runtime, or natskit's own for a host that polls outside one.
        let runtime = tokio::runtime::Handle::try_current().unwrap_or_else(|_| runtime::handle());
        runtime.spawn(upstream.clone().fill(commands));
        Subscription {
            inner: Some(Buffer {
                messages,
                control,
                upstream,
            }),
            client,
            subject: subject.to_string(),
            queue: queue.map(String::from),
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
        let buffer = &mut self.live()?.messages;
        let received = match timeout {
            Some(t) => match tokio::time::timeout(t, buffer.recv()).await {
                Ok(m) => m,
                Err(_) => return Ok(None),
            },
            None => buffer.recv().await,
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
        let buffer = self.live()?;
        if buffer.messages.is_empty() {
            buffer.upstream.move_arrived();
        }
        match buffer.messages.try_recv() {
            Ok(m) => Ok(Some(Message::new(m, client))),
            Err(mpsc::error::TryRecvError::Empty) => Ok(None),
            Err(mpsc::error::TryRecvError::Disconnected) => {
                self.close_inner();
                Err(self.ended())
            }
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
        let Some(buffer) = self.inner.take() else {
            return Ok(());
        };
        let (done, result) = oneshot::channel();
        if buffer.control.send(Control::Unsubscribe(done)).is_err() {
            return Ok(());
        }
        match result.await {
            Ok(Err(e)) => Err(Error::closed(format!(
                "unsubscribe from {}: {e}",
                self.subject
            ))),
            _ => Ok(()),
        }
    }

    /// Stops interest but keeps delivering what the server already sent; the
    /// subscription ends (`CLOSED`) after the last buffered message.
    pub async fn drain(&mut self) -> Result<()> {
        let (done, result) = oneshot::channel();
        let sent = self.live()?.control.send(Control::Drain(done));
        let drained = match sent {
            Ok(()) => result.await.unwrap_or(Ok(())),
            Err(_) => Ok(()),
        };
        drained.map_err(|e| Error::closed(format!("drain {}: {e}", self.subject)))
    }

    fn live(&mut self) -> Result<&mut Buffer> {
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

    /// Drops the buffer; the task that fills it sees it and unsubscribes.
    fn close_inner(&mut self) {
        self.inner = None;
    }
}

/// async-nats' subscriber and the subscription's buffer it fills.
struct Source {
    subscriber: async_nats::Subscriber,
    /// `None` once async-nats' subscription has ended: the buffer then ends after its messages.
    buffer: Option<mpsc::Sender<async_nats::Message>>,
}

/// Moves messages from async-nats' subscriber into the subscription's buffer, counting those
/// that find it full. Whoever holds `state` moves them, so their order is kept.
struct Upstream {
    state: tokio::sync::Mutex<Source>,
    /// The reader polled async-nats' subscriber (taking its waker): the task polls again.
    woken_by_reader: tokio::sync::Notify,
    client: Client,
    subject: String,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("subject", &self.subject)
            .finish()
    }
}

impl Upstream {
    /// The task: moves messages as they arrive until the subscription is dropped,
    /// unsubscribed or async-nats' subscription ends.
    async fn fill(self: Arc<Self>, mut commands: mpsc::UnboundedReceiver<Control>) {
        loop {
            tokio::select! {
                biased;
                command = commands.recv() => {
                    let mut state = self.state.lock().await;
                    match command {
                        // The subscription was dropped: dropping the subscriber unsubscribes.
                        None => return,
                        Some(Control::Unsubscribe(done)) => {
                            let _ = done.send(state.subscriber.unsubscribe().await.map_err(|e| e.to_string()));
                            return;
                        }
                        Some(Control::Drain(done)) => {
                            let _ = done.send(state.subscriber.drain().await.map_err(|e| e.to_string()));
                        }
                    }
                }
                () = self.woken_by_reader.notified() => {}
                () = std::future::poll_fn(|cx| self.poll_move(cx)) => {}
            }
        }
    }

    /// Moves what has arrived; `Ready` once async-nats' subscription has ended.
    fn poll_move(&self, cx: &mut Context<'_>) -> Poll<()> {
        let Ok(mut state) = self.state.try_lock() else {
            // The reader is moving messages right now; look again shortly.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        };
        if state.buffer.is_none() {
            return Poll::Pending;
        }
        loop {
            match state.subscriber.poll_next_unpin(cx) {
                Poll::Ready(Some(message)) => self.deliver(&state, message),
                Poll::Ready(None) => {
                    state.buffer = None;
                    return Poll::Pending;
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// The reader found its buffer empty: moves what has arrived now, without waiting.
    fn move_arrived(&self) {
        let waker = futures::task::noop_waker();
        let _ = self.poll_move(&mut Context::from_waker(&waker));
        // Polling took the task's place as the one woken on arrival: hand it back.
        self.woken_by_reader.notify_one();
    }

    /// Buffers one message or counts it dropped.
    fn deliver(&self, state: &Source, message: async_nats::Message) {
        let Some(buffer) = &state.buffer else { return };
        if let Err(mpsc::error::TrySendError::Full(_)) = buffer.try_send(message) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            self.client.hub().count_drop(&self.subject);
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
        let Some(buffer) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match buffer.messages.poll_recv(cx) {
            Poll::Ready(Some(m)) => Poll::Ready(Some(Message::new(m, client))),
            Poll::Ready(None) => {
                self.close_inner();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
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
