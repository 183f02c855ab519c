//! A connection: `connect()`, publish, request, subscribe, flush, drain, close, stats, events.

use std::future::Future;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::task::noop_waker_ref;
use napi::bindgen_prelude::{Uint32ArraySlice, Uint8ArraySlice, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};

use crate::error::{invalid_argument, Outcome};
use crate::headers::{self, JsHeaders};
use crate::jetstream::JetStream;
use crate::message::Message;
use crate::payload;
use crate::queue::Queue;
use crate::runtime::{self, Now};
use crate::subscription::{BatchCallback, Subscription};

/// Options of `publish()`.
#[napi(object)]
pub struct PublishOptions {
    /// Headers to send.
    #[napi(ts_type = "Record<string, string | string[]>")]
    pub headers: Option<JsHeaders>,
    /// Reply subject for the receiver to answer on.
    pub reply: Option<String>,
}

/// Options of `request()`.
#[napi(object)]
pub struct RequestOptions {
    /// Milliseconds to wait for the reply (default: the connection's `request_timeout`).
    pub timeout: Option<f64>,
    /// Headers to send.
    #[napi(ts_type = "Record<string, string | string[]>")]
    pub headers: Option<JsHeaders>,
}

/// Options of `subscribe()`.
#[napi(object, object_to_js = false)]
pub struct SubscribeOptions {
    /// Queue group: each message goes to one member of the group.
    pub queue: Option<String>,
    /// Called on the JavaScript thread for every message; without it, iterate or call `next()`.
    #[napi(ts_type = "(msg: Message) => void")]
    pub callback: Option<BatchCallback>,
}

/// Counters of one connection.
#[napi(object)]
pub struct Stats {
    /// Messages received.
    pub in_msgs: f64,
    /// Messages sent.
    pub out_msgs: f64,
    /// Payload bytes received.
    pub in_bytes: f64,
    /// Payload bytes sent.
    pub out_bytes: f64,
    /// Successful reconnects.
    pub reconnects: f64,
    /// Messages dropped by slow subscriptions.
    pub dropped: f64,
}

impl From<natskit::Stats> for Stats {
    fn from(s: natskit::Stats) -> Self {
        Stats {
            in_msgs: s.in_msgs as f64,
            out_msgs: s.out_msgs as f64,
            in_bytes: s.in_bytes as f64,
            out_bytes: s.out_bytes as f64,
            reconnects: s.reconnects as f64,
            dropped: s.dropped as f64,
        }
    }
}

/// Connects to NATS: a URL (`"nats://host:4222"`, comma-separated list allowed), an object of
/// connection settings (the keys of natskit's config), or nothing for the `NATS_*` environment.
#[napi(
    catch_unwind,
    ts_args_type = "options?: string | ConnectionOptions",
    ts_return_type = "Promise<Client>"
)]
pub async fn connect(options: Option<serde_json::Value>) -> Outcome<Client> {
    crate::runtime::unwinding(async move {
        let config = match options {
            None | Some(serde_json::Value::Null) => {
                natskit::Config::from_env()?.connection(None)?.clone()
            }
            Some(serde_json::Value::String(url)) => natskit::ConnectionConfig::for_url(&url),
            Some(value) => {
                natskit::ConnectionConfig::from_host(value, natskit::Unit::Milliseconds)?
            }
        };
        natskit::Client::connect(&config).await.map(Client::new)
    })
    .await
}

/// A connection to NATS. Publishing is synchronous and cheap; everything that waits returns
/// a Promise.
#[napi]
pub struct Client {
    pub(crate) inner: natskit::Client,
    connection: String,
}

impl Client {
    pub(crate) fn new(inner: natskit::Client) -> Self {
        Client::named(inner, "default")
    }

    /// A client for the manager's connection `name` (recorded in failed jobs).
    pub(crate) fn named(inner: natskit::Client, name: &str) -> Self {
        Client {
            inner,
            connection: name.to_string(),
        }
    }

    /// The core client.
    pub(crate) fn core(&self) -> &natskit::Client {
        &self.inner
    }

    /// The connection's name (`default` unless opened by a `Manager`).
    pub(crate) fn connection(&self) -> &str {
        &self.connection
    }
}

#[napi]
impl Client {
    /// Publishes `data` (Buffer/Uint8Array, string, or a value sent as JSON) without waiting;
    /// invalid subjects, oversize payloads and a closed connection throw at once.
    /// `await flush()` confirms delivery to the server.
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, data?: Payload, options?: PublishOptions",
        ts_return_type = "void"
    )]
    pub fn publish(
        &self,
        env: &Env,
        subject: Unknown,
        data: Unknown,
        options: Option<PublishOptions>,
    ) -> Outcome<()> {
        crate::error::outcome(|| {
            let payload = payload::to_bytes(env, data)?;
            payload::with_str(env, subject, "subject", |subject| {
                let Some(o) = options else {
                    let none = natskit::PublishOptions::default();
                    return self.inner.stage_publish(subject, payload, &none);
                };
                let headers = o.headers.map(headers::from_js);
                let opts = natskit::PublishOptions {
                    headers: headers.as_ref(),
                    reply: o.reply.as_deref(),
                };
                self.inner.stage_publish(subject, payload, &opts)
            })
        })
    }

    /// Publishes several payloads to one subject in one call (cheaper than a loop of `publish`).
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, data: Payload[]",
        ts_return_type = "void"
    )]
    pub fn publish_many(&self, env: &Env, subject: String, data: Vec<Unknown>) -> Outcome<()> {
        crate::error::outcome(|| {
            let payloads = data
                .into_iter()
                .map(|d| payload::to_bytes(env, d))
                .collect::<natskit::Result<Vec<Bytes>>>()?;
            let messages = payloads.into_iter().map(|p| (subject.as_str(), p));
            self.inner.stage_publish_many(messages)
        })
    }

    /// Publishes payloads packed back to back in `data` (`lengths` in order) to one subject,
    /// as one queued batch: index.js gathers the plain publishes of one turn this way.
    #[napi(catch_unwind, ts_return_type = "void")]
    pub fn publish_packed(
        &self,
        subject: String,
        data: Uint8ArraySlice,
        lengths: Uint32ArraySlice,
    ) -> Outcome<()> {
        crate::error::outcome(|| {
            let total: usize = lengths.iter().map(|&l| l as usize).sum();
            if total != data.len() {
                let wrong = "publishPacked: the lengths do not add up to the data";
                return Err(invalid_argument(wrong));
            }
            let mut packed = Bytes::copy_from_slice(&data);
            let messages = lengths
                .iter()
                .map(|&l| (subject.as_str(), packed.split_to(l as usize)));
            self.inner.stage_publish_many(messages)
        })
    }

    /// Resolves once everything published before has reached the server.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn flush(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move { self.inner.flush().await }).await
    }

    /// Runs the health checks (`natskit health`) and resolves with the report; durations
    /// (`rtt`, `age` thresholds and results) in milliseconds.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: HealthOptions",
        ts_return_type = "Promise<HealthReport>"
    )]
    pub async fn health(&self, options: Option<serde_json::Value>) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move {
            let unit = natskit::Unit::Milliseconds;
            let options =
                natskit::health::HealthOptions::from_host(options.unwrap_or_default(), unit)?;
            let report = natskit::health::check(&self.inner, &options).await?;
            Ok(report.to_host(unit))
        })
        .await
    }

    /// Sends a request and resolves with the first reply (`NO_RESPONDERS`, `TIMEOUT`).
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, data?: Payload, options?: RequestOptions",
        ts_return_type = "Promise<Message>"
    )]
    pub fn request<'env>(
        &self,
        env: &'env Env,
        subject: String,
        data: Unknown,
        options: Option<RequestOptions>,
    ) -> napi::Result<Now<'env, Outcome<Message>>> {
        crate::error::guard(|| {
            let payload = payload::to_bytes(env, data);
            let (headers, timeout) = match options {
                Some(o) => (o.headers.map(headers::from_js), o.timeout),
                None => (None, None),
            };
            let client = self.inner.clone();
            runtime::now_or_on_wake(env, async move {
                let opts = natskit::RequestOptions {
                    headers: headers.as_ref(),
                    timeout: timeout.map(millis).transpose()?,
                };
                let reply = client.request_with(&subject, payload?, &opts).await?;
                Ok(Message::from(reply))
            })
        })
    }

    /// Subscribes to `subject` (wildcards allowed). Without a callback the subscription is an
    /// async iterable (`for await`) with `next(timeoutMs)`; with one, messages are delivered
    /// to it on the JavaScript thread and the subscription keeps the process alive until
    /// `unsubscribe()` or `close()`.
    #[napi(catch_unwind, ts_return_type = "Subscription")]
    pub fn subscribe(
        &self,
        subject: String,
        options: Option<SubscribeOptions>,
    ) -> Outcome<Subscription> {
        crate::error::outcome(|| {
            let (queue, callback) = match options {
                Some(o) => (o.queue, o.callback),
                None => (None, None),
            };
            let client = self.inner.clone();
            let subscribing = async move { client.subscribe(&subject, queue.as_deref()).await };
            let mut subscribing = Box::pin(subscribing);
            let sub = match subscribing
                .as_mut()
                .poll(&mut Context::from_waker(noop_waker_ref()))
            {
                Poll::Ready(result) => result,
                Poll::Pending => natskit::runtime::block_on(subscribing).and_then(|r| r),
            };
            Ok(Subscription::start(sub?, callback))
        })
    }

    /// Drains every subscription (buffered messages are still delivered) and closes.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn drain(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move { self.inner.drain().await }).await
    }

    /// Flushes what was published and closes; closing twice does nothing.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn close(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move { self.inner.close().await }).await
    }

    /// The JetStream API of this connection (domain and timeout from its `jetstream` config).
    #[napi(catch_unwind)]
    pub fn jetstream(&self) -> JetStream {
        JetStream::new(&self.inner)
    }

    /// The job queue `name` of this connection (settings from its `queue` config).
    #[napi(catch_unwind, ts_return_type = "Queue")]
    pub fn queue(&self, name: Option<String>) -> Outcome<Queue> {
        let name = name.as_deref().unwrap_or("default");
        crate::error::outcome(|| Queue::open(&self.inner, name, &self.connection))
    }

    /// Counters since the connection was made.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Stats {
        self.inner.stats().into()
    }

    /// True once closed or drained.
    #[napi(catch_unwind, getter)]
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The largest payload (headers included) the server accepts.
    #[napi(catch_unwind, getter)]
    pub fn max_payload(&self) -> u32 {
        self.inner.max_payload().min(u32::MAX as usize) as u32
    }

    /// The oldest connection event not yet taken (`{ event: "reconnected", ... }`), or null.
    #[napi(catch_unwind, ts_return_type = "ConnectionEvent | null")]
    pub fn poll_event(&self) -> Option<serde_json::Value> {
        self.inner.poll_event().map(event_json)
    }

    /// Calls `callback` with every connection event from now on, in order, on the JavaScript
    /// thread, up to and including `closed`. It does not keep the process alive; an exception
    /// it throws is an uncaught exception, as in an event listener.
    #[napi(
        catch_unwind,
        ts_args_type = "callback: (event: ConnectionEvent) => void",
        ts_return_type = "void"
    )]
    pub fn on_event(&self, callback: EventCallback) -> Outcome<()> {
        crate::error::outcome(|| {
            let mut events = self.inner.events();
            runtime::handle().spawn(async move {
                while let Some(event) = events.next().await {
                    let status =
                        callback.call(event_json(event), ThreadsafeFunctionCallMode::NonBlocking);
                    if status != Status::Ok {
                        break;
                    }
                }
            });
            Ok(())
        })
    }

    /// Waits up to `timeoutMs` (default: forever) for the next connection event; null when
    /// the time passes or the connection is closed and no event is left.
    #[napi(catch_unwind, ts_return_type = "Promise<ConnectionEvent | null>")]
    pub async fn next_event(&self, timeout_ms: Option<f64>) -> Outcome<Option<serde_json::Value>> {
        crate::runtime::unwinding(next_event(self.inner.clone(), timeout_ms)).await
    }
}

async fn next_event(
    client: natskit::Client,
    timeout_ms: Option<f64>,
) -> natskit::Result<Option<serde_json::Value>> {
    if let Some(event) = client.poll_event() {
        return Ok(Some(event_json(event)));
    }
    if client.is_closed() {
        return Ok(None);
    }
    let event = match timeout_ms.map(millis).transpose()? {
        Some(t) => tokio::time::timeout(t, client.next_event()).await.ok(),
        None => Some(client.next_event().await),
    };
    Ok(event.map(event_json))
}

/// The JavaScript side of `onEvent`: called with one event at a time on the JavaScript
/// thread; weak, so it never keeps the process alive.
pub type EventCallback =
    ThreadsafeFunction<serde_json::Value, (), serde_json::Value, Status, false, true>;

fn event_json(event: natskit::Event) -> serde_json::Value {
    serde_json::to_value(event).unwrap_or(serde_json::Value::Null)
}

/// Milliseconds from JavaScript as a `Duration`.
pub(crate) fn millis(ms: f64) -> natskit::Result<Duration> {
    natskit::Unit::Milliseconds.duration(ms, "timeout (ms)")
}
