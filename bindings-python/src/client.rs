//! `natskit.Client` (blocking calls) and `natskit.aio.Client` (awaitables) over one core
//! `natskit::Client`, plus `connect` for both.

use std::time::Duration;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

use std::sync::Arc;

use crate::dispatch::{Dispatcher, Run};
use crate::error::IntoPy;
use crate::events::{self, EventThreads};
use crate::headers;
use crate::jetstream::{self, AsyncJetStream, JetStream};
use crate::message::{AsyncMsg, Message};
use crate::payload;
use crate::queue::{self, AsyncQueue, Queue};
use crate::runtime::{awaitable, seconds, wait, Ready};
use crate::service::{self, Started};
use crate::subscription::{AsyncSubscription, Subscription};
use crate::twins::both;

/// The arguments of one publish, converted while the GIL is held.
struct Outgoing {
    subject: String,
    data: Bytes,
    headers: Option<natskit::Headers>,
    reply: Option<String>,
}

impl Outgoing {
    fn new(
        subject: String,
        data: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        reply: Option<String>,
        trace: (Option<String>, Option<String>),
    ) -> PyResult<Self> {
        let headers = headers::optional(headers)?;
        let (parent, state) = Python::attach(|py| crate::otel::or_current(py, trace.0, trace.1));
        Ok(Outgoing {
            subject,
            data: data.map(payload::to_bytes).transpose()?.unwrap_or_default(),
            headers: natskit::trace::with_trace(headers, parent.as_deref(), state.as_deref())
                .py_err()?,
            reply,
        })
    }

    async fn publish(self, client: &natskit::Client) -> natskit::Result<()> {
        let opts = natskit::PublishOptions {
            headers: self.headers.as_ref(),
            reply: self.reply.as_deref(),
        };
        client.publish_with(&self.subject, self.data, &opts).await
    }

    async fn request(
        self,
        client: &natskit::Client,
        timeout: Option<Duration>,
    ) -> natskit::Result<natskit::Message> {
        let opts = natskit::RequestOptions {
            headers: self.headers.as_ref(),
            timeout,
        };
        client.request_with(&self.subject, self.data, &opts).await
    }
}

/// Every payload of a `publish_many` call.
fn payloads(items: &Bound<'_, PyAny>) -> PyResult<Vec<Bytes>> {
    items
        .try_iter()?
        .map(|item| payload::to_bytes(&item?))
        .collect()
}

async fn publish_all(
    client: &natskit::Client,
    subject: &str,
    payloads: Vec<Bytes>,
    headers: Option<natskit::Headers>,
) -> natskit::Result<usize> {
    let count = payloads.len();
    let opts = natskit::PublishOptions {
        headers: headers.as_ref(),
        reply: None,
    };
    for data in payloads {
        client.publish_with(subject, data, &opts).await?;
    }
    Ok(count)
}

/// The settings for `connect(url, **opts)`: the URL (or the `NATS_*` environment when
/// `url` is `None`) with the given configuration keys on top, validated by core.
pub fn connection_config(
    url: Option<&str>,
    opts: Option<&Bound<'_, PyDict>>,
) -> PyResult<natskit::ConnectionConfig> {
    let base = match url {
        Some(url) => natskit::ConnectionConfig::for_url(url),
        None => natskit::Config::from_env()
            .and_then(|c| c.connection(None).cloned())
            .py_err()?,
    };
    let Some(opts) = opts.filter(|o| !o.is_empty()) else {
        return Ok(base);
    };
    let mut merged =
        serde_json::to_value(&base).map_err(|e| crate::error::to_py(natskit::Error::from(e)))?;
    let extra = payload::to_value(opts)?;
    if let (Some(target), serde_json::Value::Object(extra)) = (merged.as_object_mut(), extra) {
        for (key, value) in extra {
            match (target.get_mut(&key), value) {
                (Some(serde_json::Value::Object(inner)), serde_json::Value::Object(value)) => {
                    inner.extend(value)
                }
                (_, value) => {
                    target.insert(key, value);
                }
            }
        }
    }
    natskit::ConnectionConfig::from_json(&merged.to_string()).py_err()
}

/// Connects and returns a `natskit.Client`.
#[pyfunction]
#[pyo3(signature = (url=None, **opts))]
pub fn connect(
    py: Python<'_>,
    url: Option<&str>,
    opts: Option<&Bound<'_, PyDict>>,
) -> PyResult<Client> {
    crate::runtime::guard(|| {
        let config = connection_config(url, opts)?;
        let core = wait(py, natskit::Client::connect(&config))?.py_err()?;
        Ok(Client::new(core))
    })
}

/// Connects; the awaitable returns a `natskit.aio.Client`.
#[pyfunction]
#[pyo3(signature = (url=None, **opts))]
pub fn connect_async<'py>(
    py: Python<'py>,
    url: Option<&str>,
    opts: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    crate::runtime::guard(|| {
        let config = connection_config(url, opts)?;
        awaitable(py, async move {
            let core = natskit::Client::connect(&config).await.py_err()?;
            Ok(AsyncClient { core })
        })
    })
}

/// A connection used with blocking calls (each releases the GIL while it waits).
#[pyclass(module = "natskit", name = "Client", frozen)]
pub struct Client {
    pub(crate) core: natskit::Client,
    dispatch: Arc<Dispatcher>,
    events: EventThreads,
}

impl Client {
    /// Wraps a core client.
    pub fn new(core: natskit::Client) -> Self {
        Client {
            core,
            dispatch: Arc::default(),
            events: EventThreads::default(),
        }
    }
}

impl Client {
    const ASYNCIO: bool = false;
}

/// `natskit.aio._with_callback`: awaits the subscription, then feeds `callback` from a task.
static WITH_CALLBACK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `natskit.aio._on_loop`: wraps an event callback to run on the running loop.
static ON_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A connection used with `await`.
#[pyclass(module = "natskit.aio", name = "Client", frozen)]
pub struct AsyncClient {
    pub(crate) core: natskit::Client,
}

impl AsyncClient {
    const ASYNCIO: bool = true;
}

both! { Client {
    /// Subscribes (wildcards allowed, optionally in a queue group). With `callback`,
    /// messages are handed to it by `process()` on the thread that calls `process`, or
    /// after `start_dispatcher()` on the dispatcher thread.
    #[pyo3(signature = (subject, *, queue=None, callback=None))]
    fn subscribe(
        &self,
        py: Python<'_>,
        subject: &str,
        queue: Option<&str>,
        callback: Option<Py<PyAny>>,
    ) -> PyResult<Subscription> {
        crate::runtime::guard(|| {
            let sub = wait(py, self.core.subscribe(subject, queue))?.py_err()?;
            let sub = Subscription::new(sub, callback.is_some());
            if let Some(callback) = callback {
                self.dispatch.register(sub.cell(), callback);
            }
            Ok(sub)
        })
    }

    /// Calls the callbacks of messages that arrived, waiting up to `timeout` seconds
    /// for the first (`None`: until one arrives). Returns how many callbacks ran.
    /// Not available once `start_dispatcher()` was called.
    #[pyo3(signature = (timeout=0.0))]
    fn process(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<usize> {
        crate::runtime::guard(|| {
            self.dispatch.process(py, seconds(timeout, "timeout")?)
        })
    }

    /// Runs every subscription callback on one natskit-owned thread from now on (no
    /// `process()`), so a callback and a blocking `request()` can live in one program. A
    /// callback's exception goes to `sys.unraisablehook`; `close()` stops and joins the thread
    /// after the callback in progress. Returns the client.
    fn start_dispatcher(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| {
            slf.dispatch.start(slf.core.clone())?;
            Ok(slf)
        })
    }

    /// Calls `callback(event)` with every connection event from now on, in order, on a
    /// natskit-owned thread, up to and including `closed` (`close()` returns after that
    /// call). An exception goes to `sys.unraisablehook`.
    fn on_event(&self, callback: Py<PyAny>) -> PyResult<()> {
        crate::runtime::guard(|| self.events.start(&self.core, callback))
    }

    /// Drains every subscription, then closes (the dispatcher thread first runs the
    /// callbacks of what was buffered).
    fn drain(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            wait(py, self.core.drain())?.py_err()?;
            self.dispatch.stop(py, Run::UntilIdle);
            self.events.join(py);
            Ok(())
        })
    }

    /// Flushes and closes; closing twice does nothing. The dispatcher thread stops first
    /// (after the callback in progress).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.dispatch.stop(py, Run::Off);
            let closed = wait(py, self.core.close())?.py_err();
            if self.core.is_closed() {
                self.events.join(py);
            }
            closed
        })
    }

    /// Waits up to `timeout` seconds (`None`: forever) for the next connection event.
    #[pyo3(signature = (timeout=None))]
    fn next_event<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let event = wait(py, async {
                match timeout {
                    Some(t) => tokio::time::timeout(t, self.core.next_event()).await.ok(),
                    None => Some(self.core.next_event().await),
                }
            })?;
            event.map(|e| payload::to_python(py, &e)).transpose()
        })
    }

    /// The JetStream context of this connection (domain and API timeout from its config).
    fn jetstream(&self) -> PyResult<JetStream> {
        crate::runtime::guard(|| Ok({
            JetStream::new(jetstream::context(&self.core))
        }))
    }

    /// The job queue `name` on this connection; `connection` is the name recorded in
    /// failed jobs.
    #[pyo3(signature = (name="default", *, connection="default"))]
    fn queue(&self, name: &str, connection: &str) -> PyResult<Queue> {
        crate::runtime::guard(|| {
            Ok(Queue::new(queue::open(&self.core, name, connection)?))
        })
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok({
            slf
        }))
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.close(py)
        })
    }
}, AsyncClient {
    /// Subscribes; with `callback` (a function or coroutine function) a task on the
    /// running loop calls it for each message.
    #[pyo3(signature = (subject, *, queue=None, callback=None))]
    fn subscribe<'py>(
        &self,
        py: Python<'py>,
        subject: String,
        queue: Option<String>,
        callback: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            let subscribed = awaitable(py, async move {
                let sub = core.subscribe(&subject, queue.as_deref()).await.py_err()?;
                Ok(AsyncSubscription::new(sub))
            })?;
            match callback {
                None => Ok(subscribed),
                Some(callback) => {
                    let with_callback = WITH_CALLBACK.get_or_try_init(py, || {
                        py.import("natskit.aio")?
                            .getattr("_with_callback")
                            .map(Bound::unbind)
                    })?;
                    with_callback.bind(py).call1((subscribed, callback))
                }
            }
        })
    }

    /// Schedules `callback(event)` (plain or `async`) on the running loop for every
    /// connection event from now on, in order, up to and including `closed`.
    fn on_event(&self, py: Python<'_>, callback: Bound<'_, PyAny>) -> PyResult<()> {
        crate::runtime::guard(|| {
            let on_loop = ON_LOOP.get_or_try_init(py, || {
                py.import("natskit.aio")?.getattr("_on_loop").map(Bound::unbind)
            })?;
            let scheduled = on_loop.bind(py).call1((callback,))?;
            events::spawn(&self.core, scheduled.unbind())?;
            Ok(())
        })
    }

    /// Drains every subscription, then closes.
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            awaitable(py, async move { core.drain().await.py_err() })
        })
    }

    /// Flushes and closes; closing twice does nothing.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            awaitable(py, async move { core.close().await.py_err() })
        })
    }

    /// Waits for the next connection event (a dict).
    fn next_event<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            awaitable(py, async move { Ok(EventValue(core.next_event().await)) })
        })
    }

    /// The JetStream context of this connection (domain and API timeout from its config).
    fn jetstream(&self) -> PyResult<AsyncJetStream> {
        crate::runtime::guard(|| Ok({
            AsyncJetStream::new(jetstream::context(&self.core))
        }))
    }

    /// The job queue `name` on this connection; `connection` is the name recorded in
    /// failed jobs.
    #[pyo3(signature = (name="default", *, connection="default"))]
    fn queue(&self, name: &str, connection: &str) -> PyResult<AsyncQueue> {
        crate::runtime::guard(|| {
            Ok(AsyncQueue::new(queue::open(&self.core, name, connection)?))
        })
    }

    fn __aenter__<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let py = slf.py();
            Ok(Ready::new(py, slf)?.into_any())
        })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            self.close(py)
        })
    }
}, shared {
    /// Counters: in_msgs, out_msgs, in_bytes, out_bytes, reconnects, dropped.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            payload::to_python(py, &self.core.stats())
        })
    }

    /// The oldest connection event not yet taken (`{"event": "reconnected", ...}`), if any.
    fn poll_event<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        crate::runtime::guard(|| {
            self.core
                .poll_event()
                .map(|e| payload::to_python(py, &e))
                .transpose()
        })
    }

    /// The largest payload the server accepts, in bytes.
    #[getter]
    fn max_payload(&self) -> PyResult<usize> {
        crate::runtime::guard(|| Ok({
            self.core.max_payload()
        }))
    }

    /// True once closed or drained.
    #[getter]
    fn is_closed(&self) -> PyResult<bool> {
        crate::runtime::guard(|| Ok({
            self.core.is_closed()
        }))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok({
            format!("Client({:?})", self.core)
        }))
    }
};
    /// Publishes `data` (bytes, str, or a JSON-serialisable value) to `subject`.
    /// `traceparent`/`tracestate` (W3C) carry the caller's trace context.
    #[pyo3(signature = (subject, data=None, *, headers=None, reply=None, traceparent=None, tracestate=None))]
    fn publish(&self, subject: [String], data: [Option<&Bound<'_, PyAny>>], headers: [Option<&Bound<'_, PyAny>>], reply: [Option<String>], traceparent: [Option<String>], tracestate: [Option<String>]) -> () {
        let out = Outgoing::new(subject, data, headers, reply, (traceparent, tracestate))?;
        let core = self.core.clone();
        async move { out.publish(&core).await.py_err() }
    }

    /// Publishes every payload of `payloads` to `subject` in one call; returns the count.
    #[pyo3(signature = (subject, payloads, *, headers=None))]
    fn publish_many(&self, subject: [String], payloads: [&Bound<'_, PyAny>], headers: [Option<&Bound<'_, PyAny>>]) -> usize {
        let (all, headers) = (self::payloads(payloads)?, headers::optional(headers)?);
        let core = self.core.clone();
        async move { publish_all(&core, &subject, all, headers).await.py_err() }
    }

    /// Returns once the server has processed everything published so far.
    fn flush(&self) -> () {
        let core = self.core.clone();
        async move { core.flush().await.py_err() }
    }

    /// Runs the health checks (`natskit health`): the connection and its round trip, then,
    /// when asked, `jetstream`, `streams`, `consumers` (`"STREAM:CONSUMER"`, judged by `lag`)
    /// and `queues` (judged by `age`); thresholds are `{"warn": .., "crit": ..}`, durations in
    /// seconds. Returns `{"status": "OK"|"WARNING"|"CRITICAL"|"UNKNOWN", "checks": [..]}`.
    #[pyo3(signature = (**options))]
    fn health(&self, options: [Option<&Bound<'_, PyDict>>]) -> jetstream::Json {
        let options = match options {
            Some(o) => payload::to_value(o)?,
            None => serde_json::Value::Null,
        };
        let options =
            natskit::health::HealthOptions::from_host(options, natskit::Unit::Seconds).py_err()?;
        let core = self.core.clone();
        async move {
            let report = natskit::health::check(&core, &options).await.py_err()?;
            Ok(jetstream::Json(report.to_host(natskit::Unit::Seconds)))
        }
    }

    /// The connection's metrics as Prometheus text: messages, bytes, reconnects, drops,
    /// state and round trip; JetStream publish acks and errors; per queue and job name the
    /// job counters and the run-time and wait-time histograms; queue gauges read now.
    fn metrics(&self) -> String {
        let core = self.core.clone();
        async move { core.metrics().await.py_err() }
    }

    /// The same metrics as a dict (core's snapshot): `connection`, `jetstream`, `jobs`
    /// (per queue and job name, `duration` and `wait` histograms) and `queues`; seconds.
    fn metrics_snapshot(&self) -> jetstream::Json {
        let core = self.core.clone();
        async move {
            let snapshot = core.metrics_snapshot().await.py_err()?;
            Ok(jetstream::Json(snapshot.to_json()))
        }
    }

    /// Sends a request and returns the first reply; `timeout` in seconds
    /// (`None`: the connection's `request_timeout`).
    #[pyo3(signature = (subject, data=None, *, timeout=None, headers=None, traceparent=None, tracestate=None))]
    fn request(&self, subject: [String], data: [Option<&Bound<'_, PyAny>>], timeout: [Option<f64>], headers: [Option<&Bound<'_, PyAny>>], traceparent: [Option<String>], tracestate: [Option<String>]) -> Reply {
        let timeout = seconds(timeout, "timeout")?;
        let out = Outgoing::new(subject, data, headers, None, (traceparent, tracestate))?;
        let core = self.core.clone();
        async move {
            let msg = out.request(&core, timeout).await.py_err()?;
            Ok(Reply { msg, asyncio: Self::ASYNCIO })
        }
    }

    /// Starts a service (name of letters, digits, `-`, `_`; a semantic version); its
    /// endpoints join `queue_group` ("q" by default).
    #[pyo3(signature = (name, version, *, description=None, metadata=None, queue_group=None))]
    fn add_service(&self, name: [String], version: [String], description: [Option<String>], metadata: [Option<&Bound<'_, PyAny>>], queue_group: [Option<String>]) -> Started {
        let config = natskit::ServiceConfig { name, version, description, queue_group, metadata: service::metadata(metadata)? };
        let core = self.core.clone();
        async move { Ok::<_, PyErr>(Started::Service(core.add_service(config).await.py_err()?, Self::ASYNCIO)) }
    }

    /// The PING answers of running services (all, those named `name`, or instance `id`),
    /// collected for up to `timeout` seconds (default 1).
    #[pyo3(signature = (name=None, *, id=None, timeout=None))]
    fn service_ping(&self, name: [Option<String>], id: [Option<String>], timeout: [Option<f64>]) -> service::Json {
        let (core, wait) = (self.core.clone(), seconds(timeout, "timeout")?);
        service::discover(core, "PING", name, id, wait)
    }

    /// The INFO answers of running services (their endpoints), as `service_ping`.
    #[pyo3(signature = (name=None, *, id=None, timeout=None))]
    fn service_info(&self, name: [Option<String>], id: [Option<String>], timeout: [Option<f64>]) -> service::Json {
        let (core, wait) = (self.core.clone(), seconds(timeout, "timeout")?);
        service::discover(core, "INFO", name, id, wait)
    }

    /// The STATS answers of running services (durations in seconds), as `service_ping`.
    #[pyo3(signature = (name=None, *, id=None, timeout=None))]
    fn service_stats(&self, name: [Option<String>], id: [Option<String>], timeout: [Option<f64>]) -> service::Json {
        let (core, wait) = (self.core.clone(), seconds(timeout, "timeout")?);
        service::discover(core, "STATS", name, id, wait)
    }
}

/// A reply on its way to Python: a `Message`, or an `aio.Message` for the asyncio client.
struct Reply {
    msg: natskit::Message,
    asyncio: bool,
}

impl<'py> IntoPyObject<'py> for Reply {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self.asyncio {
            true => Ok(AsyncMsg(self.msg).into_pyobject(py)?.into_any()),
            false => Ok(Bound::new(py, Message::sync(self.msg))?.into_any()),
        }
    }
}

/// A connection event on its way to Python as a dict.
struct EventValue(natskit::Event);

impl<'py> IntoPyObject<'py> for EventValue {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        payload::to_python(py, &self.0)
    }
}
