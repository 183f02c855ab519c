//! Subscriptions: pull-style `next(timeoutMs)` (the async iterator is built on it in
//! index.js) or callback delivery on the JavaScript thread, several messages per call.

use std::sync::Arc;

use napi::bindgen_prelude::PromiseRaw;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use tokio::sync::{watch, Mutex, Semaphore};

use crate::client::millis;
use crate::error::Outcome;
use crate::message::{Message, MessageBatch};
use crate::runtime::{self, Now};

/// At most this many messages are handed to JavaScript in one callback call.
const BATCH: usize = 256;

/// At most this many batches are queued for the callback at once, so the next batch is
/// collected while JavaScript still runs the previous ones.
const IN_FLIGHT: u32 = 4;

/// The JavaScript side of a callback subscription: called with a batch of messages on the
/// JavaScript thread; holding it keeps the process alive.
pub type BatchCallback = ThreadsafeFunction<MessageBatch, (), MessageBatch, Status, false>;

struct Shared {
    sub: Mutex<natskit::Subscription>,
    stopped: watch::Sender<bool>,
    subject: String,
    queue: Option<String>,
}

impl Shared {
    fn closed_error(&self) -> natskit::Error {
        natskit::Error::new(
            natskit::ErrorCode::Closed,
            format!("the subscription to {} is closed", self.subject),
        )
    }
}

/// A subscription. Leaving a `for await` loop, `unsubscribe()` or closing the connection ends it.
#[napi]
pub struct Subscription {
    shared: Arc<Shared>,
    callback: bool,
}

impl Subscription {
    pub(crate) fn start(
        sub: natskit::Subscription,
        callback: Option<BatchCallback>,
    ) -> Subscription {
        let shared = Arc::new(Shared {
            subject: sub.subject().to_string(),
            queue: sub.queue().map(String::from),
            sub: Mutex::new(sub),
            stopped: watch::channel(false).0,
        });
        let has_callback = callback.is_some();
        if let Some(callback) = callback {
            runtime::handle().spawn(deliver(shared.clone(), callback));
        }
        Subscription {
            shared,
            callback: has_callback,
        }
    }
}

/// Hands messages to the callback batch by batch (up to `IN_FLIGHT` batches queued) until
/// the subscription stops or ends; once the queued batches ran, the callback (and with it the
/// process's keep-alive) is released.
async fn deliver(shared: Arc<Shared>, callback: BatchCallback) {
    let mut stopped = shared.stopped.subscribe();
    let mut sub = shared.sub.lock().await;
    let slots = Arc::new(Semaphore::new(IN_FLIGHT as usize));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let batch = tokio::select! {
            batch = sub.next_batch(BATCH, None) => batch,
            _ = stopped.wait_for(|s| *s) => break,
        };
        match batch {
            Ok(messages) if messages.is_empty() => continue,
            Ok(messages) => {
                let status = callback.call_with_return_value(
                    MessageBatch { messages },
                    ThreadsafeFunctionCallMode::NonBlocking,
                    move |_, _| {
                        drop(slot);
                        Ok(())
                    },
                );
                if status != Status::Ok {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let _ = slots.acquire_many(IN_FLIGHT).await;
    shared.stopped.send_replace(true);
}

#[napi]
impl Subscription {
    /// The subject subscribed to.
    #[napi(catch_unwind, getter)]
    pub fn subject(&self) -> String {
        self.shared.subject.clone()
    }

    /// The queue group, if any.
    #[napi(catch_unwind, getter)]
    pub fn queue(&self) -> Option<String> {
        self.shared.queue.clone()
    }

    /// True once `unsubscribe()` was called or delivery to the callback ended.
    #[napi(catch_unwind, getter)]
    pub fn is_closed(&self) -> bool {
        *self.shared.stopped.borrow()
    }

    /// The next message, or null when `timeoutMs` passes first (omit it to wait forever);
    /// rejects with `CLOSED` once the subscription has ended.
    #[napi(catch_unwind, ts_return_type = "Promise<Message | null>")]
    pub fn next<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Now<'env, Outcome<Option<Message>>>> {
        crate::error::guard(|| {
            if self.callback {
                return Ok(Now::Ready(Outcome(Err(crate::error::invalid_argument(
                format!(
                    "the subscription to {} delivers to its callback; next() is for subscriptions without one",
                    self.shared.subject
                ),
            )))));
            }
            let shared = self.shared.clone();
            runtime::now_or_later(env, next(shared, timeout_ms))
        })
    }

    /// Stops interest now (synchronously: no further message is delivered); the Promise
    /// resolves once the server was told.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn unsubscribe<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Outcome<()>>> {
        crate::error::guard(|| {
            self.shared.stopped.send_replace(true);
            let shared = self.shared.clone();
            env.spawn_future(async move {
                let mut sub = shared.sub.lock().await;
                Ok(Outcome(sub.unsubscribe().await))
            })
        })
    }
}

async fn next(shared: Arc<Shared>, timeout_ms: Option<f64>) -> natskit::Result<Option<Message>> {
    let timeout = timeout_ms.map(millis).transpose()?;
    let mut stopped = shared.stopped.subscribe();
    if *stopped.borrow() {
        return Err(shared.closed_error());
    }
    let mut sub = tokio::select! {
        sub = shared.sub.lock() => sub,
        _ = stopped.wait_for(|s| *s) => return Err(shared.closed_error()),
    };
    tokio::select! {
        received = sub.next_timeout(timeout) => Ok(received?.map(Message::from)),
        _ = stopped.wait_for(|s| *s) => Err(shared.closed_error()),
    }
}
