//! Connection events, kept in a bounded queue that any host can poll, and handed in order to
//! every [`EventStream`] (and so every `on_event` callback) registered on the connection.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

/// How many events a connection keeps before the oldest are discarded.
pub const EVENT_QUEUE_CAPACITY: usize = 256;

/// Something that happened to a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The first connection was established.
    Connected,
    /// The connection was lost; the client is reconnecting.
    Disconnected,
    /// The connection was re-established after a loss.
    Reconnected,
    /// The server announced it is shutting down (lame duck mode).
    LameDuck,
    /// A subscription could not keep up; `dropped` messages were discarded since the last event.
    SlowConsumer {
        /// The subscription's subject, when it is known.
        subject: Option<String>,
        /// Messages dropped.
        dropped: u64,
    },
    /// The server sent an error.
    ServerError {
        /// The server's text.
        message: String,
    },
    /// The client hit an error.
    ClientError {
        /// What happened.
        message: String,
    },
    /// The connection is draining.
    Draining,
    /// The connection is closed for good.
    Closed,
}

impl Event {
    /// The event's name (`"reconnected"`).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Connected => "connected",
            Event::Disconnected => "disconnected",
            Event::Reconnected => "reconnected",
            Event::LameDuck => "lame_duck",
            Event::SlowConsumer { .. } => "slow_consumer",
            Event::ServerError { .. } => "server_error",
            Event::ClientError { .. } => "client_error",
            Event::Draining => "draining",
            Event::Closed => "closed",
        }
    }
}

/// Per-connection event state shared between the client and async-nats' event callback.
#[derive(Debug)]
pub(crate) struct EventHub {
    queue: Mutex<VecDeque<Event>>,
    notify: tokio::sync::Notify,
    ever_connected: AtomicBool,
    pub(crate) reconnects: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) closed: AtomicBool,
    /// `reconnect.max_attempts = 0`: a lost connection closes the client.
    pub(crate) no_reconnect: AtomicBool,
    /// Publishes held while disconnected.
    pub(crate) offline: crate::buffer::OfflineBuffer,
    /// Connections lost so far (JetStream acks sent before a loss can never come).
    disconnects: tokio::sync::watch::Sender<u64>,
    closed_notify: tokio::sync::Notify,
    /// The open event streams; `None` once `Closed` went out (later streams end at once).
    streams: Mutex<Option<Vec<tokio::sync::mpsc::UnboundedSender<Event>>>>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            queue: Mutex::default(),
            notify: tokio::sync::Notify::default(),
            ever_connected: AtomicBool::default(),
            reconnects: AtomicU64::default(),
            dropped: AtomicU64::default(),
            closed: AtomicBool::default(),
            no_reconnect: AtomicBool::default(),
            offline: crate::buffer::OfflineBuffer::default(),
            disconnects: tokio::sync::watch::Sender::default(),
            closed_notify: tokio::sync::Notify::default(),
            streams: Mutex::new(Some(Vec::new())),
        }
    }
}

/// Every connection event from the moment it was made, in order, ending after `Closed`.
#[derive(Debug)]
pub struct EventStream(tokio::sync::mpsc::UnboundedReceiver<Event>);

impl EventStream {
    /// The next event; `None` once the connection has closed and every event was taken.
    pub async fn next(&mut self) -> Option<Event> {
        self.0.recv().await
    }

    /// `next` for a thread outside the runtime (never call it on a runtime worker).
    pub fn blocking_next(&mut self) -> Option<Event> {
        self.0.blocking_recv()
    }
}

impl futures::Stream for EventStream {
    type Item = Event;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Event>> {
        self.0.poll_recv(cx)
    }
}

impl EventHub {
    /// Whether a connection was ever made (a later connect is a reconnect).
    pub(crate) fn ever_connected(&self) -> bool {
        self.ever_connected.load(Ordering::SeqCst)
    }

    /// Records an async-nats event.
    pub(crate) fn record(&self, event: async_nats::Event) {
        let event = match event {
            async_nats::Event::Connected => {
                self.offline.connected();
                if self.ever_connected.swap(true, Ordering::SeqCst) {
                    self.reconnects.fetch_add(1, Ordering::Relaxed);
                    Event::Reconnected
                } else {
                    Event::Connected
                }
            }
            async_nats::Event::Disconnected => {
                self.offline.disconnected();
                self.disconnects.send_modify(|n| *n += 1);
                if self.no_reconnect.load(Ordering::SeqCst) {
                    // async-nats cannot be told "no attempts" (0 means forever to it): its
                    // reconnect waits out a delay that never ends, and the client is closed.
                    self.push(Event::Disconnected);
                    self.closed.store(true, Ordering::SeqCst);
                    self.closed_notify.notify_waiters();
                    Event::Closed
                } else {
                    Event::Disconnected
                }
            }
            async_nats::Event::LameDuckMode => Event::LameDuck,
            async_nats::Event::Draining => Event::Draining,
            async_nats::Event::Closed => {
                self.closed.store(true, Ordering::SeqCst);
                self.closed_notify.notify_waiters();
                Event::Closed
            }
            // Subscriptions count their own drops (`count_drop`); async-nats' buffers are
            // sized never to fill, so this is a JetStream or internal subscriber.
            async_nats::Event::SlowConsumer(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                return self.push_slow_consumer(None);
            }
            async_nats::Event::ServerError(e) => Event::ServerError {
                message: e.to_string(),
            },
            async_nats::Event::ClientError(async_nats::ClientError::MaxReconnects) => {
                // async-nats gives up without a Closed event; the connection is closed all
                // the same, so later calls fail with CLOSED rather than an I/O error.
                self.push(Event::ClientError {
                    message: async_nats::ClientError::MaxReconnects.to_string(),
                });
                self.closed.store(true, Ordering::SeqCst);
                self.closed_notify.notify_waiters();
                Event::Closed
            }
            async_nats::Event::ClientError(e) => Event::ClientError {
                message: e.to_string(),
            },
        };
        self.push(event);
    }

    fn push(&self, event: Event) {
        let mut q = self.queue.lock().unwrap();
        self.broadcast(&event);
        if q.len() >= EVENT_QUEUE_CAPACITY {
            q.pop_front();
        }
        q.push_back(event);
        drop(q);
        self.notify.notify_waiters();
    }

    /// Hands `event` to every stream (called with the queue locked, so all see one order);
    /// after `Closed` the streams end.
    fn broadcast(&self, event: &Event) {
        let mut streams = self.streams.lock().unwrap();
        if let Some(senders) = streams.as_mut() {
            senders.retain(|s| s.send(event.clone()).is_ok());
            if *event == Event::Closed {
                *streams = None;
            }
        }
    }

    /// A stream of every event from now on (already ended when the connection has closed).
    pub(crate) fn stream(&self) -> EventStream {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        if let Some(senders) = self.streams.lock().unwrap().as_mut() {
            senders.push(tx);
        }
        EventStream(rx)
    }

    /// Slow-consumer drops arrive one per message: fold them into the newest queued event
    /// (streams see the first drop of each run; `Stats::dropped` counts them all).
    fn push_slow_consumer(&self, subject: Option<&str>) {
        let mut q = self.queue.lock().unwrap();
        if let Some(Event::SlowConsumer {
            subject: s,
            dropped,
        }) = q.back_mut()
        {
            if s.as_deref() == subject {
                *dropped += 1;
                return;
            }
        }
        drop(q);
        self.push(Event::SlowConsumer {
            subject: subject.map(String::from),
            dropped: 1,
        });
    }

    /// Watches the count of connections lost.
    pub(crate) fn disconnects(&self) -> tokio::sync::watch::Receiver<u64> {
        self.disconnects.subscribe()
    }

    /// Takes the oldest event, if any.
    pub(crate) fn poll(&self) -> Option<Event> {
        self.queue.lock().unwrap().pop_front()
    }

    /// Waits for the next event.
    pub(crate) async fn next(&self) -> Event {
        loop {
            let notified = self.notify.notified();
            if let Some(e) = self.poll() {
                return e;
            }
            notified.await;
        }
    }

    /// Waits until the connection has closed.
    pub(crate) async fn wait_closed(&self) {
        loop {
            let notified = self.closed_notify.notified();
            if self.closed.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }

    /// Counts one message a subscription to `subject` dropped because its buffer was full.
    pub(crate) fn count_drop(&self, subject: &str) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.push_slow_consumer(Some(subject));
    }
}
