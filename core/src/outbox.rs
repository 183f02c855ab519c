//! Staged publishes: a caller that must not wait for the runtime (a C, PHP or Node thread)
//! appends a checked publish to the client's outbox and returns; one runtime task at a time
//! hands what is staged to the connection, in call order, in batches. The caller's thread
//! wakes the runtime once per batch, not once per message (as nats.c appends to a buffer its
//! flusher writes).
//!
//! Publishes the connection refuses once handed over (its reconnect buffer full, or closed)
//! are reported once, by the client's next staged publish, flush, drain or close: never
//! dropped silently. Flush, drain, close, requests and unstaged publishes of the client first
//! wait until everything staged before them was handed over, so the order per connection is
//! the order of the calls.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_nats::Subject;
use bytes::Bytes;
use tokio::sync::oneshot;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::runtime;

/// The most bytes (payload, subject and a fixed per-message cost) staged and not yet handed
/// to the connection before a blocking caller waits for the outbox to empty.
pub const STAGED_LIMIT: usize = 8 << 20;

/// What one staged message counts toward [`STAGED_LIMIT`] beyond its subject and payload.
const PER_MESSAGE: usize = 64;

/// One staged publish, or a marker answered once everything staged before it was handed to
/// the connection. Kept small: the common case is moved twice per message.
pub(crate) enum Outgoing {
    /// A message without headers or reply subject.
    Plain {
        subject: Subject,
        payload: Bytes,
    },
    /// A message with headers and/or a reply subject.
    Full(Box<Full>),
    Marker(oneshot::Sender<()>),
}

/// A message with headers and/or a reply subject.
pub(crate) struct Full {
    pub subject: Subject,
    pub payload: Bytes,
    pub headers: Option<Headers>,
    pub reply: Option<String>,
}

impl Outgoing {
    /// Hands the publish to the connection; one it refuses is recorded in `outbox`.
    async fn send(self, client: &Client, outbox: &Outbox) {
        match self {
            Outgoing::Plain { subject, payload } => {
                let sent = client.send_plain(subject.clone(), payload).await;
                outbox.record(&subject, sent);
            }
            Outgoing::Full(full) => {
                let opts = crate::PublishOptions {
                    headers: full.headers.as_ref(),
                    reply: full.reply.as_deref(),
                };
                let sent = client.send_with(&full.subject, full.payload, &opts).await;
                outbox.record(&full.subject, sent);
            }
            Outgoing::Marker(done) => {
                let _ = done.send(());
            }
        }
    }

    fn weight(&self) -> usize {
        match self {
            Outgoing::Plain { subject, payload } => subject.len() + payload.len() + PER_MESSAGE,
            Outgoing::Full(full) => full.subject.len() + full.payload.len() + PER_MESSAGE,
            Outgoing::Marker(_) => 0,
        }
    }
}

/// The staged items and their weight.
#[derive(Default)]
struct Pending {
    items: Vec<Outgoing>,
    bytes: usize,
}

/// A client's staged publishes (see the module documentation).
#[derive(Default)]
pub(crate) struct Outbox {
    queue: Mutex<Pending>,
    /// A task is handing staged items over (or about to).
    scheduled: AtomicBool,
    refused: Mutex<Refused>,
    any_refused: AtomicBool,
}

/// Staged publishes the connection refused, not reported yet.
#[derive(Default)]
struct Refused {
    count: usize,
    subject: String,
    first: Option<Error>,
}

impl Outbox {
    fn record(&self, subject: &str, sent: Result<()>) {
        if let Err(e) = sent {
            let mut refused = self.refused.lock().unwrap();
            refused.count += 1;
            if refused.first.is_none() {
                refused.subject = subject.to_string();
                refused.first = Some(e);
            }
            self.any_refused.store(true, Ordering::Release);
        }
    }

    /// The refused publishes as one error (with the connection's code), reported once.
    pub(crate) fn take_refused(&self) -> Result<()> {
        // A plain load on the hot path (every publish); the swap only once something was refused.
        if !self.any_refused.load(Ordering::Acquire)
            || !self.any_refused.swap(false, Ordering::AcqRel)
        {
            return Ok(());
        }
        let refused = std::mem::take(&mut *self.refused.lock().unwrap());
        match refused.first {
            None => Ok(()),
            Some(e) => Err(Error::new(
                e.code(),
                format!(
                    "{} publish(es) to {} accepted earlier were not sent: {}",
                    refused.count,
                    refused.subject,
                    e.message()
                ),
            )),
        }
    }

    /// Stages `items` in order; true when the outbox now holds more than [`STAGED_LIMIT`].
    pub(crate) fn push(
        self: &Arc<Self>,
        client: &Client,
        items: impl IntoIterator<Item = Outgoing>,
    ) -> bool {
        let over = {
            let mut queue = self.queue.lock().unwrap();
            for item in items {
                queue.bytes += item.weight();
                queue.items.push(item);
            }
            queue.bytes > STAGED_LIMIT
        };
        // A plain load while a task is at work (the common case in a loop of publishes).
        if !self.scheduled.load(Ordering::Acquire) && !self.scheduled.swap(true, Ordering::AcqRel) {
            runtime::spawn(drain(self.clone(), client.clone()));
        }
        over
    }

    /// True while something staged may not have been handed over yet.
    pub(crate) fn busy(&self) -> bool {
        self.scheduled.load(Ordering::Acquire)
    }

    /// Resolves once everything staged so far was handed to the connection.
    pub(crate) async fn handed_over(self: &Arc<Self>, client: &Client) {
        if !self.busy() {
            return;
        }
        let (done, waited) = oneshot::channel();
        self.push(client, [Outgoing::Marker(done)]);
        let _ = waited.await;
    }
}

async fn drain(outbox: Arc<Outbox>, client: Client) {
    let mut batch = Vec::new();
    let mut idle_once = false;
    loop {
        {
            let mut queue = outbox.queue.lock().unwrap();
            std::mem::swap(&mut queue.items, &mut batch);
            queue.bytes = 0;
        }
        if batch.is_empty() {
            // The host thread is likely still publishing: look once more after other tasks
            // ran, rather than end and be spawned again for the next message.
            if !idle_once {
                idle_once = true;
                tokio::task::yield_now().await;
                continue;
            }
            outbox.scheduled.store(false, Ordering::Release);
            // A publish staged after the swap but before the store spawned no task: take it.
            if outbox.queue.lock().unwrap().items.is_empty()
                || outbox.scheduled.swap(true, Ordering::AcqRel)
            {
                return;
            }
            continue;
        }
        idle_once = false;
        for item in batch.drain(..) {
            item.send(&client, &outbox).await;
        }
    }
}
