//! JetStream (`core::jetstream`): `JetStream` (blocking) and `aio.JetStream` (awaitables),
//! pulled messages with their acks, the async publisher and key-value buckets.
//!
//! Configs go in as dicts and infos come out as dicts with the server's field names; every
//! duration is seconds (a float) in Python and nanoseconds on the wire, converted only in
//! [`durations`].

use std::sync::Arc;

use bytes::Bytes;
use natskit::jetstream as js;
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::consume::Consumed;
use crate::error::{to_py, IntoPy};
use crate::headers::{self, Headers};
use crate::object_store::ObjectStoreOf;
use crate::payload;
use crate::runtime::{awaitable, seconds, wait};
use crate::twins::both;

/// A config from a dict and/or keyword fields (keywords win), durations in seconds (core
/// converts them: the context's unit is seconds).
fn config(base: Option<&Bound<'_, PyAny>>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Value> {
    let mut value = match base.filter(|b| !b.is_none()) {
        Some(b) => payload::to_value(b)?,
        None => Value::Object(Default::default()),
    };
    if let (Some(fields), Some(map)) = (fields, value.as_object_mut()) {
        if let Value::Object(extra) = payload::to_value(fields)? {
            map.extend(extra);
        }
    }
    Ok(value)
}

/// Server JSON on its way to Python as a dict (durations already in seconds, by core).
pub struct Json(pub Value);

impl Json {
    pub fn of(value: &impl serde::Serialize) -> natskit::Result<Json> {
        Ok(Json(serde_json::to_value(value)?))
    }
}

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        payload::to_python(py, &self.0)
    }
}

/// A stored message as a dict: core's fields (subject, sequence, headers, time) and data.
struct Stored(js::StoredMessage);

impl<'py> IntoPyObject<'py> for Stored {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let m = self.0;
        let d = payload::to_python(py, &m)?.cast_into::<PyDict>()?;
        d.set_item("headers", Headers { inner: m.headers })?;
        d.set_item("data", PyBytes::new(py, &m.payload))?;
        Ok(d.into_any())
    }
}

/// A key-value entry as a dict: core's fields (bucket, key, revision, created, operation,
/// delta) and value.
struct Entry(js::KvEntry);

impl<'py> IntoPyObject<'py> for Entry {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let d = payload::to_python(py, &self.0)?.cast_into::<PyDict>()?;
        d.set_item("value", PyBytes::new(py, &self.0.value))?;
        Ok(d.into_any())
    }
}

fn entries(list: Vec<js::KvEntry>) -> Vec<Entry> {
    list.into_iter().map(Entry).collect()
}

/// Publish arguments converted while the GIL is held.
struct Outgoing {
    subject: String,
    data: Bytes,
    options: js::PublishOptions,
}

#[allow(clippy::too_many_arguments)]
fn outgoing(
    subject: String,
    data: Option<&Bound<'_, PyAny>>,
    msg_id: Option<String>,
    expected_stream: Option<String>,
    expected_last_seq: Option<u64>,
    expected_last_msg_id: Option<String>,
    expected_last_subject_seq: Option<u64>,
    ttl: Option<f64>,
    headers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Outgoing> {
    let data = match data {
        Some(d) => payload::to_bytes(d)?,
        None => Bytes::new(),
    };
    Ok(Outgoing {
        subject,
        data,
        options: js::PublishOptions {
            msg_id,
            expected_stream,
            expected_last_seq,
            expected_last_msg_id,
            expected_last_subject_seq,
            ttl: seconds(ttl, "ttl")?,
            headers: headers::optional(headers)?,
        },
    })
}

fn fetch_options(timeout: Option<f64>, no_wait: bool) -> PyResult<js::FetchOptions> {
    Ok(js::FetchOptions {
        timeout: seconds(timeout, "timeout")?,
        no_wait,
    })
}

/// `until` as a time: a `datetime` (naive means local time) or seconds from now.
fn pause_until(until: &Bound<'_, PyAny>) -> PyResult<time::OffsetDateTime> {
    let unix = if let Ok(secs) = until.extract::<f64>() {
        let ahead = natskit::duration::seconds(secs, "until").py_err()?;
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e9 + ahead.as_secs_f64()
    } else {
        let timestamp = until
            .call_method0("timestamp")
            .and_then(|t| t.extract::<f64>());
        timestamp.map_err(|_| {
            to_py(crate::queue::invalid_error(format!(
                "until: expected a datetime or seconds from now, not {}",
                until
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            )))
        })?
    };
    time::OffsetDateTime::from_unix_timestamp_nanos((unix * 1e9) as i128)
        .map_err(|e| to_py(crate::queue::invalid_error(format!("until: {e}"))))
}

/// `ordered()`'s keyword arguments as core reads them: an `opt_start_time` datetime becomes
/// RFC 3339 text (text passes as it is).
fn ordered_options(options: Option<&Bound<'_, PyDict>>) -> PyResult<Value> {
    let start = match options {
        Some(o) => o.get_item("opt_start_time")?,
        None => None,
    };
    match (options, start) {
        (Some(o), Some(t)) if t.hasattr("timestamp")? => {
            let rest = o.copy()?;
            rest.del_item("opt_start_time")?;
            let mut value = self::config(None, Some(&rest))?;
            let time = natskit::timestamp::try_rfc3339(pause_until(&t)?, "opt_start_time");
            value["opt_start_time"] = Value::from(time.py_err()?);
            Ok(value)
        }
        _ => self::config(None, options),
    }
}

/// The JetStream context of a connection, used with blocking calls (`Client.jetstream()`).
#[pyclass(module = "natskit", name = "JetStream", frozen)]
pub struct JetStream {
    ctx: js::Context,
}

/// The JetStream context of a connection, used with `await`.
#[pyclass(module = "natskit.aio", name = "JetStream", frozen)]
pub struct AsyncJetStream {
    ctx: js::Context,
}

/// The context for `client` (created inside the runtime).
pub fn context(client: &natskit::Client) -> js::Context {
    natskit::runtime::enter(|| client.jetstream()).with_unit(natskit::Unit::Seconds)
}

impl JetStream {
    /// Wraps a core context.
    pub fn new(ctx: js::Context) -> Self {
        JetStream { ctx }
    }
}

impl AsyncJetStream {
    /// Wraps a core context.
    pub fn new(ctx: js::Context) -> Self {
        AsyncJetStream { ctx }
    }
}

both! { JetStream {
    /// A publisher keeping up to `max_in_flight` acks outstanding.
    #[pyo3(signature = (max_in_flight=256))]
    fn publisher(&self, max_in_flight: usize) -> PyResult<Publisher> {
        crate::runtime::guard(|| Ok({
            Publisher {
                inner: self.ctx.publisher(max_in_flight).py_err()?,
            }
        }))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok({
            "JetStream()".into()
        }))
    }
}, AsyncJetStream {
    /// A publisher keeping up to `max_in_flight` acks outstanding.
    #[pyo3(signature = (max_in_flight=256))]
    fn publisher(&self, max_in_flight: usize) -> PyResult<AsyncPublisher> {
        crate::runtime::guard(|| Ok({
            AsyncPublisher {
                inner: self.ctx.publisher(max_in_flight).py_err()?,
            }
        }))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok({
            "JetStream()".into()
        }))
    }
};
    /// True when the server (and account) has JetStream.
    fn is_available(&self) -> bool {
        let ctx = self.ctx.clone();
        async move { Ok::<_, PyErr>(ctx.is_available().await) }
    }

    /// Account limits and usage (`JETSTREAM_NOT_ENABLED` without JetStream).
    fn account_info(&self) -> Json {
        let ctx = self.ctx.clone();
        async move { ctx.account_info().await.map(Json).py_err() }
    }

    /// Creates a stream from a config dict and/or keyword fields (server names, durations
    /// in seconds); returns its info.
    #[pyo3(signature = (config=None, **fields))]
    fn create_stream(&self, config: [Option<&Bound<'_, PyAny>>], fields: [Option<&Bound<'_, PyDict>>]) -> Json {
        let (ctx, cfg) = (self.ctx.clone(), self::config(config, fields)?);
        async move { ctx.create_stream(&cfg).await.map(Json).py_err() }
    }

    /// Updates a stream (the whole config, like create); returns its info.
    #[pyo3(signature = (config=None, **fields))]
    fn update_stream(&self, config: [Option<&Bound<'_, PyAny>>], fields: [Option<&Bound<'_, PyDict>>]) -> Json {
        let (ctx, cfg) = (self.ctx.clone(), self::config(config, fields)?);
        async move { ctx.update_stream(&cfg).await.map(Json).py_err() }
    }

    /// A stream's config and state (`NotFoundError` when it does not exist).
    fn stream_info(&self, name: [String]) -> Json {
        let ctx = self.ctx.clone();
        async move { ctx.stream_info(&name).await.map(Json).py_err() }
    }

    /// One page of stream infos from `offset`: total, offset, limit, items.
    #[pyo3(signature = (offset=0, subject=None))]
    fn list_streams(&self, offset: [u64], subject: [Option<String>]) -> Json {
        let ctx = self.ctx.clone();
        async move {
            let page = ctx.list_streams(offset, subject.as_deref()).await.py_err()?;
            Json::of(&page).py_err()
        }
    }

    /// Every stream name (only those with a subject matching `subject` when given).
    #[pyo3(signature = (subject=None))]
    fn stream_names(&self, subject: [Option<String>]) -> Vec<String> {
        let ctx = self.ctx.clone();
        async move { ctx.stream_names(subject.as_deref()).await.py_err() }
    }

    /// Purges a stream (only `subject`, keeping `keep`, or up to `sequence`); returns the count.
    #[pyo3(signature = (name, *, subject=None, keep=None, sequence=None))]
    fn purge_stream(&self, name: [String], subject: [Option<String>], keep: [Option<u64>], sequence: [Option<u64>]) -> u64 {
        let ctx = self.ctx.clone();
        let options = js::PurgeOptions { subject, keep, sequence };
        async move { ctx.purge_stream(&name, &options).await.py_err() }
    }

    /// Deletes a stream and its messages.
    fn delete_stream(&self, name: [String]) -> () {
        let ctx = self.ctx.clone();
        async move { ctx.delete_stream(&name).await.py_err() }
    }

    /// The message with sequence `seq`: a dict with subject, seq, headers, data, time.
    fn get_message(&self, stream: [String], seq: [u64]) -> Stored {
        let ctx = self.ctx.clone();
        async move { ctx.get_message(&stream, seq).await.map(Stored).py_err() }
    }

    /// The last message on `subject` in `stream`.
    fn get_last_message(&self, stream: [String], subject: [String]) -> Stored {
        let ctx = self.ctx.clone();
        async move { ctx.get_last_message(&stream, &subject).await.map(Stored).py_err() }
    }

    /// Deletes the message with sequence `seq`.
    fn delete_message(&self, stream: [String], seq: [u64]) -> () {
        let ctx = self.ctx.clone();
        async move { ctx.delete_message(&stream, seq).await.py_err() }
    }

    /// Creates (or returns the identical) durable consumer on `stream`; returns its info.
    #[pyo3(signature = (stream, config=None, **fields))]
    fn create_consumer(&self, stream: [String], config: [Option<&Bound<'_, PyAny>>], fields: [Option<&Bound<'_, PyDict>>]) -> Json {
        let (ctx, cfg) = (self.ctx.clone(), self::config(config, fields)?);
        async move { ctx.create_consumer(&stream, &cfg).await.map(Json).py_err() }
    }

    /// Updates a consumer's config; returns its info.
    #[pyo3(signature = (stream, config=None, **fields))]
    fn update_consumer(&self, stream: [String], config: [Option<&Bound<'_, PyAny>>], fields: [Option<&Bound<'_, PyDict>>]) -> Json {
        let (ctx, cfg) = (self.ctx.clone(), self::config(config, fields)?);
        async move { ctx.update_consumer(&stream, &cfg).await.map(Json).py_err() }
    }

    /// A consumer's config and counters (num_pending, num_ack_pending, num_redelivered, num_waiting).
    fn consumer_info(&self, stream: [String], name: [String]) -> Json {
        let ctx = self.ctx.clone();
        async move { ctx.consumer_info(&stream, &name).await.map(Json).py_err() }
    }

    /// One page of consumer infos of `stream` from `offset`.
    #[pyo3(signature = (stream, offset=0))]
    fn list_consumers(&self, stream: [String], offset: [u64]) -> Json {
        let ctx = self.ctx.clone();
        async move {
            let page = ctx.list_consumers(&stream, offset).await.py_err()?;
            Json::of(&page).py_err()
        }
    }

    /// Every consumer name of `stream`.
    fn consumer_names(&self, stream: [String]) -> Vec<String> {
        let ctx = self.ctx.clone();
        async move { ctx.consumer_names(&stream).await.py_err() }
    }

    /// Deletes a consumer.
    fn delete_consumer(&self, stream: [String], name: [String]) -> () {
        let ctx = self.ctx.clone();
        async move { ctx.delete_consumer(&stream, &name).await.py_err() }
    }

    /// Pauses a consumer until `until` (a datetime, or seconds from now); returns the pause state.
    fn pause_consumer(&self, stream: [String], name: [String], until: [&Bound<'_, PyAny>]) -> Json {
        let (ctx, until) = (self.ctx.clone(), pause_until(until)?);
        async move {
            let state = ctx.pause_consumer(&stream, &name, until).await.py_err()?;
            Json::of(&state).py_err()
        }
    }

    /// Resumes a paused consumer now; returns the pause state.
    fn resume_consumer(&self, stream: [String], name: [String]) -> Json {
        let ctx = self.ctx.clone();
        async move {
            let state = ctx.resume_consumer(&stream, &name).await.py_err()?;
            Json::of(&state).py_err()
        }
    }

    /// Publishes to a stream and waits for its ack: a dict with stream, seq, duplicate, domain.
    #[pyo3(signature = (subject, data=None, *, msg_id=None, expected_stream=None, expected_last_seq=None, expected_last_msg_id=None, expected_last_subject_seq=None, ttl=None, headers=None))]
    fn publish(&self, subject: [String], data: [Option<&Bound<'_, PyAny>>], msg_id: [Option<String>], expected_stream: [Option<String>], expected_last_seq: [Option<u64>], expected_last_msg_id: [Option<String>], expected_last_subject_seq: [Option<u64>], ttl: [Option<f64>], headers: [Option<&Bound<'_, PyAny>>]) -> Json {
        let out = outgoing(subject, data, msg_id, expected_stream, expected_last_seq, expected_last_msg_id, expected_last_subject_seq, ttl, headers)?;
        let ctx = self.ctx.clone();
        async move {
            let ack = ctx.publish(&out.subject, out.data, &out.options).await.py_err()?;
            Json::of(&ack).py_err()
        }
    }

    /// Fetches up to `max` messages from a durable pull consumer, waiting up to `timeout`
    /// seconds (`None`: the API timeout) unless `no_wait`.
    #[pyo3(signature = (stream, consumer, max=1, *, timeout=None, no_wait=false))]
    fn fetch(&self, stream: [String], consumer: [String], max: [usize], timeout: [Option<f64>], no_wait: [bool]) -> Pulled {
        let (ctx, options) = (self.ctx.clone(), fetch_options(timeout, no_wait)?);
        let asyncio = self.is_async();
        async move {
            let messages = ctx.fetch(&stream, &consumer, max, &options).await.py_err()?;
            Ok::<_, PyErr>(Pulled { messages, asyncio })
        }
    }

    /// Fetches one message; `None` when none arrived in time.
    #[pyo3(signature = (stream, consumer, *, timeout=None, no_wait=false))]
    fn fetch_next(&self, stream: [String], consumer: [String], timeout: [Option<f64>], no_wait: [bool]) -> PulledOne {
        let (ctx, options) = (self.ctx.clone(), fetch_options(timeout, no_wait)?);
        let asyncio = self.is_async();
        async move {
            let got = ctx.fetch_next(&stream, &consumer, &options).await.py_err()?;
            Ok::<_, PyErr>(PulledOne(Pulled { messages: got.into_iter().collect(), asyncio }))
        }
    }

    /// Consumes `stream`/`consumer` continuously. A pull consumer: pulls of `batch` messages
    /// (default 256), each open for `expires` seconds (default 30), with idle heartbeats every
    /// `heartbeat` seconds (default 5; two missed ones raise `TimeoutError`, a deleted
    /// consumer `NotFoundError`). A push consumer: read from its deliver subject.
    #[pyo3(signature = (stream, consumer, **options))]
    fn consume(&self, stream: [String], consumer: [String], options: [Option<&Bound<'_, PyDict>>]) -> Consumed {
        let options = js::ConsumeOptions::from_host(self::config(None, options)?, natskit::Unit::Seconds).py_err()?;
        let (ctx, asyncio) = (self.ctx.clone(), self.is_async());
        async move {
            let messages = ctx.consume(&stream, &consumer, &options).await.py_err()?;
            Ok::<_, PyErr>(Consumed::new(messages, asyncio))
        }
    }

    /// Reads `stream` in order through an ordered consumer (ephemeral, no acks, recreated from
    /// the next sequence after a gap or a server restart), from `deliver_policy` /
    /// `opt_start_seq` / `opt_start_time`, only `filter_subjects`, heartbeat in seconds.
    #[pyo3(signature = (stream, **options))]
    fn ordered(&self, stream: [String], options: [Option<&Bound<'_, PyDict>>]) -> Consumed {
        let options = js::OrderedOptions::from_host(ordered_options(options)?, natskit::Unit::Seconds).py_err()?;
        let (ctx, asyncio) = (self.ctx.clone(), self.is_async());
        async move {
            let messages = ctx.ordered(&stream, &options).await.py_err()?;
            Ok::<_, PyErr>(Consumed::new(messages, asyncio))
        }
    }

    /// Creates a key-value bucket (`history`, `max_age` seconds, `max_bytes`, `storage`, ...).
    #[pyo3(signature = (bucket, **fields))]
    fn create_kv(&self, bucket: [String], fields: [Option<&Bound<'_, PyDict>>]) -> KeyValueOf {
        let mut cfg = self::config(None, fields)?;
        cfg["bucket"] = Value::from(bucket);
        let cfg = self.ctx.kv_config(cfg).py_err()?;
        let (ctx, asyncio) = (self.ctx.clone(), self.is_async());
        async move {
            let kv = ctx.create_kv(&cfg).await.py_err()?;
            Ok::<_, PyErr>(KeyValueOf { kv, asyncio })
        }
    }

    /// Opens an existing bucket (`NotFoundError` when it does not exist).
    fn kv(&self, bucket: [String]) -> KeyValueOf {
        let (ctx, asyncio) = (self.ctx.clone(), self.is_async());
        async move {
            let kv = ctx.kv(&bucket).await.py_err()?;
            Ok::<_, PyErr>(KeyValueOf { kv, asyncio })
        }
    }

    /// Deletes a bucket.
    fn delete_kv(&self, bucket: [String]) -> () {
        let ctx = self.ctx.clone();
        async move { ctx.delete_kv(&bucket).await.py_err() }
    }

    /// Creates an object store bucket (`description`, `max_age` seconds, `max_bytes`,
    /// `storage`, `num_replicas`, `compression`).
    #[pyo3(signature = (bucket, **fields))]
    fn create_object_store(&self, bucket: [String], fields: [Option<&Bound<'_, PyDict>>]) -> ObjectStoreOf {
        let cfg = crate::object_store::config(&self.ctx, bucket, fields)?;
        let (ctx, asyncio) = (self.ctx.clone(), self.is_async());
        async move {
            let store = ctx.create_object_store(&cfg).await.py_err()?;
            Ok::<_, PyErr>(ObjectStoreOf { store, asyncio })
        }
    }

    /// Opens an existing object store bucket (`NotFoundError` when it does not exist).
    fn object_store(&self, bucket: [String]) -> ObjectStoreOf {
        let (ctx, asyncio) = (self.ctx.clone(), self.is_async());
        async move {
            let store = ctx.object_store(&bucket).await.py_err()?;
            Ok::<_, PyErr>(ObjectStoreOf { store, asyncio })
        }
    }

    /// Deletes an object store bucket and its objects.
    fn delete_object_store(&self, bucket: [String]) -> () {
        let ctx = self.ctx.clone();
        async move { ctx.delete_object_store(&bucket).await.py_err() }
    }

    /// The names of every object store bucket.
    fn object_store_names(&self) -> Vec<String> {
        let ctx = self.ctx.clone();
        async move { ctx.object_store_names().await.py_err() }
    }
}

trait Mode {
    fn is_async(&self) -> bool;
}

impl Mode for JetStream {
    fn is_async(&self) -> bool {
        false
    }
}

impl Mode for AsyncJetStream {
    fn is_async(&self) -> bool {
        true
    }
}

/// Pulled messages on their way to Python (sync or asyncio form).
pub struct Pulled {
    messages: Vec<js::JsMessage>,
    asyncio: bool,
}

impl Pulled {
    pub fn new(messages: Vec<js::JsMessage>, asyncio: bool) -> Pulled {
        Pulled { messages, asyncio }
    }

    fn into_list<'py>(self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.messages
            .into_iter()
            .map(|msg| {
                let base = PyClassInitializer::from(JsMessage { msg: Arc::new(msg) });
                Ok(if self.asyncio {
                    Bound::new(py, base.add_subclass(AsyncJsMessage))?.into_any()
                } else {
                    Bound::new(py, base)?.into_any()
                })
            })
            .collect()
    }
}

impl<'py> IntoPyObject<'py> for Pulled {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        self.into_list(py)?.into_pyobject(py).map(Bound::into_any)
    }
}

/// At most one pulled message, or `None`.
pub struct PulledOne(Pulled);

impl PulledOne {
    pub fn new(pulled: Pulled) -> PulledOne {
        PulledOne(pulled)
    }
}

impl<'py> IntoPyObject<'py> for PulledOne {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(self
            .0
            .into_list(py)?
            .pop()
            .unwrap_or_else(|| py.None().into_bound(py)))
    }
}

/// A message pulled from a consumer; acknowledge it with `ack`, `double_ack`, `nak`,
/// `term` or `in_progress`.
#[pyclass(module = "natskit", name = "JsMessage", subclass, frozen)]
pub struct JsMessage {
    /// Shared, so an awaited ack takes a reference instead of a copy.
    msg: Arc<js::JsMessage>,
}

#[pymethods]
impl JsMessage {
    /// The subject it was published to.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.msg.subject()))
    }

    /// The ack subject.
    #[getter]
    fn reply(&self) -> PyResult<Option<&str>> {
        crate::runtime::guard(|| Ok(self.msg.reply()))
    }

    /// The payload.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::runtime::guard(|| Ok(PyBytes::new(py, self.msg.data())))
    }

    /// The headers (empty when there are none).
    #[getter]
    fn headers(&self) -> PyResult<Headers> {
        crate::runtime::guard(|| {
            Ok({
                Headers {
                    inner: self.msg.headers(),
                }
            })
        })
    }

    /// Stream, consumer, stream_seq, consumer_seq, delivered, pending, timestamp, domain.
    #[getter]
    fn metadata(&self) -> PyResult<Json> {
        crate::runtime::guard(|| Json::of(self.msg.metadata()).py_err())
    }

    /// The payload decoded as JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::loads(py, self.msg.data()))
    }

    /// Acknowledges (fire and forget).
    fn ack(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| wait(py, self.msg.ack())?.py_err())
    }

    /// Acknowledges and waits for the server's confirmation.
    fn double_ack(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| wait(py, self.msg.double_ack())?.py_err())
    }

    /// Asks for redelivery, after `delay` seconds if given.
    #[pyo3(signature = (delay=None))]
    fn nak(&self, py: Python<'_>, delay: Option<f64>) -> PyResult<()> {
        crate::runtime::guard(|| {
            let delay = seconds(delay, "delay")?;
            wait(py, self.msg.nak(delay))?.py_err()
        })
    }

    /// Stops redelivery for good (`reason` shows in the server's advisory).
    #[pyo3(signature = (reason=None))]
    fn term(&self, py: Python<'_>, reason: Option<&str>) -> PyResult<()> {
        crate::runtime::guard(|| wait(py, self.msg.term(reason))?.py_err())
    }

    /// Restarts the ack wait: work is ongoing.
    fn in_progress(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| wait(py, self.msg.in_progress())?.py_err())
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                let m = self.msg.metadata();
                format!(
                    "JsMessage(subject={:?}, stream_seq={}, delivered={})",
                    self.msg.subject(),
                    m.stream_seq,
                    m.delivered
                )
            })
        })
    }
}

/// A pulled message whose acks are awaited.
#[pyclass(module = "natskit.aio", name = "JsMessage", extends = JsMessage, frozen)]
pub struct AsyncJsMessage;

impl AsyncJsMessage {
    fn ack_with<'py, F, Fut>(slf: PyRef<'py, Self>, send: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(Arc<js::JsMessage>) -> Fut,
        Fut: std::future::Future<Output = natskit::Result<()>> + Send + 'static,
    {
        let msg = slf.as_super().msg.clone();
        let future = send(msg);
        awaitable(slf.py(), async move { future.await.py_err() })
    }
}

#[pymethods]
impl AsyncJsMessage {
    /// Acknowledges (fire and forget).
    fn ack<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| AsyncJsMessage::ack_with(slf, |m| async move { m.ack().await }))
    }

    /// Acknowledges and waits for the server's confirmation.
    fn double_ack<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            AsyncJsMessage::ack_with(slf, |m| async move { m.double_ack().await })
        })
    }

    /// Asks for redelivery, after `delay` seconds if given.
    #[pyo3(signature = (delay=None))]
    fn nak<'py>(slf: PyRef<'py, Self>, delay: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let delay = seconds(delay, "delay")?;
            AsyncJsMessage::ack_with(slf, move |m| async move { m.nak(delay).await })
        })
    }

    /// Stops redelivery for good.
    #[pyo3(signature = (reason=None))]
    fn term<'py>(slf: PyRef<'py, Self>, reason: Option<String>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            AsyncJsMessage::ack_with(slf, move |m| async move { m.term(reason.as_deref()).await })
        })
    }

    /// Restarts the ack wait: work is ongoing.
    fn in_progress<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            AsyncJsMessage::ack_with(slf, |m| async move { m.in_progress().await })
        })
    }
}

/// Publishes without waiting for each ack (blocking `publish` waits only for a free slot).
#[pyclass(module = "natskit", name = "Publisher", frozen)]
pub struct Publisher {
    inner: js::AsyncPublisher,
}

/// The asyncio form of `Publisher`.
#[pyclass(module = "natskit.aio", name = "Publisher", frozen)]
pub struct AsyncPublisher {
    inner: js::AsyncPublisher,
}

both! { Publisher {
    /// Publishes whose ack is still outstanding.
    #[getter]
    fn in_flight(&self) -> PyResult<usize> {
        crate::runtime::guard(|| Ok({
            self.inner.in_flight()
        }))
    }
}, AsyncPublisher {
    /// Publishes whose ack is still outstanding.
    #[getter]
    fn in_flight(&self) -> PyResult<usize> {
        crate::runtime::guard(|| Ok({
            self.inner.in_flight()
        }))
    }
};
    /// Sends one message (same options as `JetStream.publish`).
    #[pyo3(signature = (subject, data=None, *, msg_id=None, expected_stream=None, expected_last_seq=None, expected_last_msg_id=None, expected_last_subject_seq=None, ttl=None, headers=None))]
    fn publish(&self, subject: [String], data: [Option<&Bound<'_, PyAny>>], msg_id: [Option<String>], expected_stream: [Option<String>], expected_last_seq: [Option<u64>], expected_last_msg_id: [Option<String>], expected_last_subject_seq: [Option<u64>], ttl: [Option<f64>], headers: [Option<&Bound<'_, PyAny>>]) -> () {
        let out = outgoing(subject, data, msg_id, expected_stream, expected_last_seq, expected_last_msg_id, expected_last_subject_seq, ttl, headers)?;
        let publisher = self.inner.clone();
        async move { publisher.publish(&out.subject, out.data, &out.options).await.py_err() }
    }

    /// Sends every payload of `payloads` to `subject`; returns the count.
    fn publish_many(&self, subject: [String], payloads: [&Bound<'_, PyAny>]) -> usize {
        let all = payloads
            .try_iter()?
            .map(|item| payload::to_bytes(&item?))
            .collect::<PyResult<Vec<Bytes>>>()?;
        let publisher = self.inner.clone();
        async move {
            let count = all.len();
            let options = js::PublishOptions::default();
            for data in all {
                publisher.publish(&subject, data, &options).await.py_err()?;
            }
            Ok::<_, PyErr>(count)
        }
    }

    /// Waits for every outstanding ack: acked, duplicates, last_sequence since the last `wait`,
    /// or raises the first failure.
    fn wait(&self) -> Json {
        let publisher = self.inner.clone();
        async move {
            let summary = publisher.wait().await.py_err()?;
            Json::of(&summary).py_err()
        }
    }
}

/// A bucket on its way to Python (sync or asyncio form).
pub struct KeyValueOf {
    kv: js::Kv,
    asyncio: bool,
}

impl<'py> IntoPyObject<'py> for KeyValueOf {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        if self.asyncio {
            Ok(Bound::new(py, AsyncKeyValue { kv: self.kv })?.into_any())
        } else {
            Ok(Bound::new(py, KeyValue { kv: self.kv })?.into_any())
        }
    }
}

/// A key-value bucket used with blocking calls.
#[pyclass(module = "natskit", name = "KeyValue", frozen)]
pub struct KeyValue {
    kv: js::Kv,
}

/// A key-value bucket used with `await`.
#[pyclass(module = "natskit.aio", name = "KeyValue", frozen)]
pub struct AsyncKeyValue {
    kv: js::Kv,
}

both! { KeyValue {
    /// The bucket name.
    #[getter]
    fn bucket(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok({
            self.kv.bucket()
        }))
    }
}, AsyncKeyValue {
    /// The bucket name.
    #[getter]
    fn bucket(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok({
            self.kv.bucket()
        }))
    }
};
    /// Stores `value` under `key`; returns the new revision.
    fn put(&self, key: [String], value: [&Bound<'_, PyAny>]) -> u64 {
        let (kv, value) = (self.kv.clone(), payload::to_bytes(value)?);
        async move { kv.put(&key, value).await.py_err() }
    }

    /// The latest entry of `key` (a dict), or `None` when absent or deleted.
    fn get(&self, key: [String]) -> Option<Entry> {
        let kv = self.kv.clone();
        async move { Ok::<_, PyErr>(kv.get(&key).await.py_err()?.map(Entry)) }
    }

    /// Stores `value` only if `key` has no value; returns the revision.
    fn create(&self, key: [String], value: [&Bound<'_, PyAny>]) -> u64 {
        let (kv, value) = (self.kv.clone(), payload::to_bytes(value)?);
        async move { kv.create(&key, value).await.py_err() }
    }

    /// Stores `value` only if `key`'s latest revision is `revision`; returns the new one.
    fn update(&self, key: [String], value: [&Bound<'_, PyAny>], revision: [u64]) -> u64 {
        let (kv, value) = (self.kv.clone(), payload::to_bytes(value)?);
        async move { kv.update(&key, value, revision).await.py_err() }
    }

    /// Deletes `key` (history kept).
    fn delete(&self, key: [String]) -> () {
        let kv = self.kv.clone();
        async move { kv.delete(&key).await.py_err() }
    }

    /// Deletes `key` and its history.
    fn purge(&self, key: [String]) -> () {
        let kv = self.kv.clone();
        async move { kv.purge(&key).await.py_err() }
    }

    /// The keys that have a value.
    fn keys(&self) -> Vec<String> {
        let kv = self.kv.clone();
        async move { kv.keys().await.py_err() }
    }

    /// Every kept revision of `key`, oldest first.
    fn history(&self, key: [String]) -> Vec<Entry> {
        let kv = self.kv.clone();
        async move { Ok::<_, PyErr>(entries(kv.history(&key).await.py_err()?)) }
    }

    /// Watches keys matching `pattern` (one key, a wildcard, default `>`: all): the current
    /// values first, then changes; options `include_history`, `ignore_deletes`, `updates_only`.
    #[pyo3(signature = (pattern=None, **options))]
    fn watch(&self, pattern: [Option<String>], options: [Option<&Bound<'_, PyDict>>]) -> KvWatch {
        let pattern = pattern.unwrap_or_else(|| ">".to_string());
        let options = js::KvWatchOptions::from_host(self::config(None, options)?).py_err()?;
        let kv = self.kv.clone();
        async move {
            let watch = kv.watch(&pattern, options).await.py_err()?;
            let control = watch.control();
            Ok::<_, PyErr>(KvWatch { inner: Arc::new(Mutex::new(watch)), control })
        }
    }
}

/// Entries of a bucket's keys, current values first: `next(timeout)` and iteration (blocking),
/// `anext(timeout)` and `async for` (asyncio); iteration ends once stopped.
#[pyclass(module = "natskit", name = "KvWatch", frozen)]
pub struct KvWatch {
    inner: Arc<Mutex<js::KvWatch>>,
    control: js::KvWatchControl,
}

/// The next entry of `watch`, `None` at the end (stopped).
async fn until_end(watch: &Mutex<js::KvWatch>) -> natskit::Result<Option<js::KvEntry>> {
    match watch.lock().await.next(None).await {
        Err(e) if e.code() == natskit::ErrorCode::Closed => Ok(None),
        got => got,
    }
}

#[pymethods]
impl KvWatch {
    /// The next entry, or `None` once `timeout` seconds pass.
    #[pyo3(signature = (timeout=None))]
    fn next(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Entry>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let got = wait(py, async { self.inner.lock().await.next(timeout).await })?;
            Ok(got.py_err()?.map(Entry))
        })
    }

    /// Awaitable: the next entry, or `None` once `timeout` seconds pass.
    #[pyo3(signature = (timeout=None))]
    fn anext<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let inner = self.inner.clone();
            awaitable(py, async move {
                Ok(inner.lock().await.next(timeout).await.py_err()?.map(Entry))
            })
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Entry>> {
        crate::runtime::guard(|| Ok(wait(py, until_end(&self.inner))?.py_err()?.map(Entry)))
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let inner = self.inner.clone();
            awaitable(py, async move {
                match until_end(&inner).await.py_err()? {
                    Some(entry) => Ok(Entry(entry)),
                    None => Err(PyStopAsyncIteration::new_err(())),
                }
            })
        })
    }

    /// Whether every value that existed when the watch started has been delivered.
    #[getter]
    fn initial_done(&self) -> PyResult<bool> {
        crate::runtime::guard(|| Ok(self.control.initial_done()))
    }

    /// Stops watching; a `next` waiting elsewhere ends too.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.control.stop();
            wait(py, async { self.inner.lock().await.stop() })
        })
    }
}
