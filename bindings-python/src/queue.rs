//! The job queue (`core::queue`): `Queue`, `Job`, `FailedJobs`, and the native half of
//! the worker (`QueueWorker`: next job, finish it). Sync classes block with the GIL released;
//! `Async*` twins return awaitables. The worker loop with its handlers and hooks is
//! `natskit/worker.py`; every queue rule (tries, backoff, timeouts, stop conditions) is core's.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use natskit::queue::{self as core, Outcome, PushOptions, Step, WorkerOptions};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

use crate::client::{AsyncClient, Client};
use crate::error::{to_py, IntoPy};
use crate::payload;
use crate::runtime::{awaitable, seconds, wait};
use crate::twins::both;

/// The core client behind a `natskit.Client` or `natskit.aio.Client`.
pub fn core_client(client: &Bound<'_, PyAny>) -> PyResult<natskit::Client> {
    if let Ok(c) = client.cast::<Client>() {
        return Ok(c.get().core.clone());
    }
    if let Ok(c) = client.cast::<AsyncClient>() {
        return Ok(c.get().core.clone());
    }
    Err(invalid("expected a natskit.Client or natskit.aio.Client"))
}

fn invalid(message: impl Into<String>) -> PyErr {
    to_py(invalid_error(message))
}

/// An `INVALID_ARGUMENT` core error.
pub fn invalid_error(message: impl Into<String>) -> natskit::Error {
    natskit::Error::new(natskit::ErrorCode::InvalidArgument, message)
}

/// Keyword arguments as core settings (`from_json` accepts the seed's and snake names).
fn options_json(options: Option<&Bound<'_, PyDict>>) -> PyResult<Option<String>> {
    options
        .filter(|o| !o.is_empty())
        .map(|o| payload::to_value(o).map(|v| v.to_string()))
        .transpose()
}

/// A push's arguments, converted while the GIL is held.
struct Push {
    name: String,
    data: serde_json::Value,
    options: PushOptions,
}

impl Push {
    fn new(
        name: String,
        data: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Push> {
        let data = match data {
            Some(d) if !d.is_none() => payload::to_value(d)?,
            _ => serde_json::Value::Null,
        };
        let mut options = PushOptions::from_json(options_json(options)?.as_deref()).py_err()?;
        let given = (options.traceparent.take(), options.tracestate.take());
        (options.traceparent, options.tracestate) =
            Python::attach(|py| crate::otel::or_current(py, given.0, given.1));
        Ok(Push {
            name,
            data,
            options,
        })
    }

    async fn run(
        self,
        queue: &core::Queue,
        delay: Option<Duration>,
    ) -> natskit::Result<Option<String>> {
        match delay {
            Some(d) => queue.later(d, &self.name, self.data, &self.options).await,
            None => queue.push(&self.name, self.data, &self.options).await,
        }
    }
}

/// `push_many`'s jobs, converted while the GIL is held: an iterable of dicts
/// `{"job": name, "data": value, **options}` (the options `push` takes as keywords).
fn new_jobs(jobs: &Bound<'_, PyAny>) -> PyResult<Vec<core::NewJob>> {
    let mut out = Vec::new();
    for item in jobs.try_iter()? {
        let item = item?;
        let options = item
            .cast::<PyDict>()
            .map_err(|_| {
                invalid("push_many: each job is a dict {\"job\": name, \"data\": value, **options}")
            })?
            .copy()?;
        let name: String = options
            .get_item("job")?
            .ok_or_else(|| invalid("push_many: a job dict needs \"job\" (its name)"))?
            .extract()?;
        options.del_item("job")?;
        let data = options.get_item("data")?;
        if data.is_some() {
            options.del_item("data")?;
        }
        let push = Push::new(name, data.as_ref(), Some(&options))?;
        out.push(core::NewJob {
            job: push.name,
            data: push.data,
            options: push.options,
        });
    }
    Ok(out)
}

/// The numbers of a queue (`Queue.size()`).
#[pyclass(module = "natskit", name = "QueueSize", frozen, get_all, eq)]
#[derive(PartialEq)]
pub struct QueueSize {
    /// Jobs waiting to be taken.
    ready: u64,
    /// Jobs taken and not finished (in flight).
    reserved: u64,
    /// Jobs scheduled for later.
    delayed: u64,
    /// Jobs of this queue in the failed-jobs store.
    failed: u64,
    /// Seconds since the oldest waiting job was queued (0 when none waits).
    oldest_age: f64,
}

impl From<core::QueueSize> for QueueSize {
    fn from(s: core::QueueSize) -> Self {
        QueueSize {
            ready: s.ready,
            reserved: s.reserved,
            delayed: s.delayed,
            failed: s.failed,
            oldest_age: s.oldest_age,
        }
    }
}

#[pymethods]
impl QueueSize {
    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "QueueSize(ready={}, reserved={}, delayed={}, failed={}, oldest_age={:.3})",
                    self.ready, self.reserved, self.delayed, self.failed, self.oldest_age
                )
            })
        })
    }
}

/// A job in the failed-jobs store.
#[pyclass(module = "natskit", name = "FailedJob", frozen)]
pub struct FailedJob {
    inner: core::FailedJob,
}

#[pymethods]
impl FailedJob {
    /// The job id.
    #[getter]
    fn id(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.inner.id.as_str()))
    }

    /// The connection name it ran on.
    #[getter]
    fn connection(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.inner.connection.as_str()))
    }

    /// The queue it came from.
    #[getter]
    fn queue(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.inner.queue.as_str()))
    }

    /// The job envelope (a dict: `uuid`, `job`, `data`, `attempts`, ...).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::to_python(py, &self.inner.payload))
    }

    /// Exception class (or `JobFailed`, `MaxAttemptsExceeded`, `TimeoutExceeded`).
    #[getter]
    fn exception(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.inner.exception.as_str()))
    }

    /// The failure message.
    #[getter]
    fn message(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.inner.message.as_str()))
    }

    /// The stack trace, if the handler's host had one.
    #[getter]
    fn trace(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.inner.trace.as_str()))
    }

    /// When it failed, Unix seconds.
    #[getter]
    fn failed_at(&self) -> PyResult<f64> {
        crate::runtime::guard(|| Ok(self.inner.failed_at))
    }

    /// All fields as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::to_python(py, &self.inner))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "FailedJob(id={:?}, queue={:?}, exception={:?}, message={:?})",
                    self.inner.id, self.inner.queue, self.inner.exception, self.inner.message
                )
            })
        })
    }
}

fn failed_list(jobs: Vec<core::FailedJob>) -> Vec<FailedJob> {
    jobs.into_iter().map(|inner| FailedJob { inner }).collect()
}

/// Counters of a worker (`Worker.stats()`).
#[pyclass(module = "natskit", name = "WorkerStats", frozen, get_all, eq)]
#[derive(PartialEq)]
pub struct WorkerStats {
    /// Jobs finished (any outcome).
    jobs: u64,
    /// Jobs completed or deleted.
    processed: u64,
    /// Jobs released or retried.
    retried: u64,
    /// Jobs failed for good.
    failed: u64,
}

#[pymethods]
impl WorkerStats {
    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "WorkerStats(jobs={}, processed={}, retried={}, failed={})",
                    self.jobs, self.processed, self.retried, self.failed
                )
            })
        })
    }
}

impl From<core::WorkerStats> for WorkerStats {
    fn from(s: core::WorkerStats) -> Self {
        WorkerStats {
            jobs: s.jobs,
            processed: s.processed,
            retried: s.retried,
            failed: s.failed,
        }
    }
}

/// A job taken from a queue: core's job handle. `complete`/`delete`/`release`/`fail` finish
/// it once (through its worker when it came from one) and return the event dict; a second
/// finish raises `QueueError`.
#[pyclass(module = "natskit", name = "Job", subclass, frozen)]
pub struct Job {
    handle: Arc<core::JobHandle>,
}

impl Job {
    fn new(job: core::Job, worker: Option<Arc<core::Worker>>) -> Job {
        Job {
            handle: Arc::new(core::JobHandle::new(job, worker)),
        }
    }
}

/// Outcome arguments of `release` and `fail`.
fn release(delay: f64) -> PyResult<Outcome> {
    Ok(Outcome::Release(
        seconds(Some(delay), "delay")?.unwrap_or_default(),
    ))
}

fn fail(reason: Option<&Bound<'_, PyAny>>) -> PyResult<Outcome> {
    let reason = match reason {
        Some(r) if !r.is_none() => r.str()?.to_string(),
        _ => "failed by the handler".to_string(),
    };
    Ok(Outcome::Fail(reason))
}

static FORMAT_EXCEPTION: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A handler's exception as `Outcome::Error` (class name, message, formatted traceback).
fn error_outcome(error: &Bound<'_, PyAny>) -> PyResult<Outcome> {
    let py = error.py();
    let format = FORMAT_EXCEPTION.get_or_try_init(py, || {
        py.import("traceback")?
            .getattr("format_exception")
            .map(Bound::unbind)
    })?;
    let lines: Vec<String> = format.bind(py).call1((error,))?.extract()?;
    Ok(Outcome::Error {
        exception: error.get_type().qualname()?.to_string(),
        message: error.str()?.to_string(),
        trace: lines.concat(),
    })
}

/// A finished job's event (`{"event": "processed", "id": ...}`) as a dict.
struct EventValue(core::JobEvent);

impl<'py> IntoPyObject<'py> for EventValue {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        payload::to_python(py, &self.0)
    }
}

#[pymethods]
impl Job {
    /// The job id.
    #[getter]
    fn id(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.handle.id()))
    }

    /// The job's name (its handler key), e.g. `ProcessOrder`.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.handle.name()))
    }

    /// The queue it came from.
    #[getter]
    fn queue(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.handle.queue()))
    }

    /// This attempt's number (1 on the first run).
    #[getter]
    fn attempts(&self) -> PyResult<u32> {
        crate::runtime::guard(|| Ok(self.handle.attempts()))
    }

    /// Attempts allowed (0 = unlimited).
    #[getter]
    fn max_tries(&self) -> PyResult<u32> {
        crate::runtime::guard(|| Ok(self.handle.max_tries()))
    }

    /// Seconds this run may take (the job's, else the worker's), if limited.
    #[getter]
    fn timeout(&self) -> PyResult<Option<f64>> {
        crate::runtime::guard(|| Ok(self.handle.timeout()))
    }

    /// The payload (any JSON value).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::to_python(py, self.handle.payload()))
    }

    /// The W3C trace context the job was pushed with (as `Message.trace_context`), or `None`.
    #[getter]
    fn trace_context<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        crate::runtime::guard(|| {
            self.handle
                .trace_context()
                .map(|c| payload::to_python(py, &c))
                .transpose()
        })
    }

    /// True once finished.
    #[getter]
    fn is_finished(&self) -> PyResult<bool> {
        crate::runtime::guard(|| Ok(self.handle.is_finished()))
    }

    /// Completes the job: it leaves the queue.
    fn complete(&self, py: Python<'_>) -> PyResult<EventValue> {
        crate::runtime::guard(|| self.finish_now(py, Outcome::Success))
    }

    /// Deletes the job: it leaves the queue without counting as failed.
    fn delete(&self, py: Python<'_>) -> PyResult<EventValue> {
        crate::runtime::guard(|| self.finish_now(py, Outcome::Delete))
    }

    /// Puts the job back, available again after `delay` seconds.
    #[pyo3(signature = (delay=0.0))]
    fn release(&self, py: Python<'_>, delay: f64) -> PyResult<EventValue> {
        crate::runtime::guard(|| self.finish_now(py, release(delay)?))
    }

    /// Fails the job now (failed-jobs store, dead-letter subject); `reason` is a str or exception.
    #[pyo3(signature = (reason=None))]
    fn fail(&self, py: Python<'_>, reason: Option<&Bound<'_, PyAny>>) -> PyResult<EventValue> {
        crate::runtime::guard(|| self.finish_now(py, fail(reason)?))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "Job(id={:?}, name={:?}, queue={:?}, attempts={})",
                    self.handle.id(),
                    self.handle.name(),
                    self.handle.queue(),
                    self.handle.attempts()
                )
            })
        })
    }
}

impl Job {
    fn finish_now(&self, py: Python<'_>, outcome: Outcome) -> PyResult<EventValue> {
        let handle = self.handle.clone();
        let event = wait(py, async move { handle.finish(outcome).await })?.py_err()?;
        Ok(EventValue(event))
    }

    /// Awaitable: finishes the job with `outcome`.
    fn finish_later<'py>(&self, py: Python<'py>, outcome: Outcome) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle.clone();
        awaitable(py, async move {
            Ok(EventValue(handle.finish(outcome).await.py_err()?))
        })
    }

    /// What a worker calls when the handler returned: the handler's own finish, else
    /// `error`'s outcome, else success.
    fn settle(
        &self,
        error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = PyResult<EventValue>> + Send + 'static> {
        let outcome = match error {
            Some(e) if !e.is_none() => error_outcome(e)?,
            _ => Outcome::Success,
        };
        let handle = self.handle.clone();
        Ok(async move { Ok(EventValue(handle.settle(outcome).await.py_err()?)) })
    }
}

/// A job whose `delete`/`release`/`fail`/`complete` are awaited.
#[pyclass(module = "natskit.aio", name = "Job", extends = Job, frozen)]
pub struct AsyncJob;

impl AsyncJob {
    fn create(
        py: Python<'_>,
        job: core::Job,
        worker: Option<Arc<core::Worker>>,
    ) -> PyResult<Bound<'_, AsyncJob>> {
        Bound::new(
            py,
            PyClassInitializer::from(Job::new(job, worker)).add_subclass(AsyncJob),
        )
    }
}

#[pymethods]
impl AsyncJob {
    /// Completes the job: it leaves the queue.
    fn complete<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| slf.as_super().finish_later(slf.py(), Outcome::Success))
    }

    /// Deletes the job: it leaves the queue without counting as failed.
    fn delete<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| slf.as_super().finish_later(slf.py(), Outcome::Delete))
    }

    /// Puts the job back, available again after `delay` seconds.
    #[pyo3(signature = (delay=0.0))]
    fn release<'py>(slf: PyRef<'py, Self>, delay: f64) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| slf.as_super().finish_later(slf.py(), release(delay)?))
    }

    /// Fails the job now; `reason` is a str or exception.
    #[pyo3(signature = (reason=None))]
    fn fail<'py>(
        slf: PyRef<'py, Self>,
        reason: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| slf.as_super().finish_later(slf.py(), fail(reason)?))
    }
}

/// Core jobs on their way to Python (sync or asyncio form).
struct Jobs {
    jobs: Vec<core::Job>,
    asyncio: bool,
    worker: Option<Arc<core::Worker>>,
}

impl Jobs {
    fn new(jobs: Vec<core::Job>, asyncio: bool, worker: Option<Arc<core::Worker>>) -> Jobs {
        Jobs {
            jobs,
            asyncio,
            worker,
        }
    }

    fn into_py_list<'py>(self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.jobs
            .into_iter()
            .map(|j| {
                let worker = self.worker.clone();
                Ok(if self.asyncio {
                    AsyncJob::create(py, j, worker)?.into_any()
                } else {
                    Bound::new(py, Job::new(j, worker))?.into_any()
                })
            })
            .collect()
    }
}

/// One job or `None` (the result of `pop`).
struct MaybeJob(Jobs);

impl<'py> IntoPyObject<'py> for MaybeJob {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(self
            .0
            .into_py_list(py)?
            .pop()
            .unwrap_or_else(|| py.None().into_bound(py)))
    }
}

impl<'py> IntoPyObject<'py> for Jobs {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        self.into_py_list(py)?
            .into_pyobject(py)
            .map(Bound::into_any)
    }
}

/// A worker's next step: a job, `None` (idle), or the stop reason as a str.
struct NextStep {
    step: Step,
    asyncio: bool,
    worker: Arc<core::Worker>,
}

impl<'py> IntoPyObject<'py> for NextStep {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self.step {
            Step::Job(job) => MaybeJob(Jobs {
                jobs: vec![job],
                asyncio: self.asyncio,
                worker: Some(self.worker),
            })
            .into_pyobject(py),
            Step::Idle => Ok(py.None().into_bound(py)),
            Step::Stop(reason) => {
                let text = serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                Ok(PyString::new(py, &text).into_any())
            }
        }
    }
}

fn pop_timeout(timeout: Option<f64>) -> PyResult<Duration> {
    Ok(seconds(timeout, "timeout")?.unwrap_or_default())
}

/// A named job queue used with blocking calls (`Client.queue(name)`).
#[pyclass(module = "natskit", name = "Queue", frozen)]
pub struct Queue {
    core: core::Queue,
}

/// A named job queue used with `await` (`aio.Client.queue(name)`).
#[pyclass(module = "natskit.aio", name = "Queue", frozen)]
pub struct AsyncQueue {
    core: core::Queue,
}

/// Opens queue `name` on `client` (`connection` is the name recorded in failed jobs).
pub fn open(client: &natskit::Client, name: &str, connection: &str) -> PyResult<core::Queue> {
    natskit::runtime::enter(|| core::Queue::new(client, name, connection)).py_err()
}

impl Queue {
    const ASYNCIO: bool = false;

    /// Wraps a core queue.
    pub fn new(core: core::Queue) -> Self {
        Queue { core }
    }
}

impl AsyncQueue {
    const ASYNCIO: bool = true;

    /// Wraps a core queue.
    pub fn new(core: core::Queue) -> Self {
        AsyncQueue { core }
    }
}

both! { Queue {
    /// The connection's failed-jobs store.
    fn failed(&self) -> PyResult<FailedJobs> {
        crate::runtime::guard(|| Ok({
            FailedJobs {
                core: self.core.failed(),
            }
        }))
    }
}, AsyncQueue {
    /// The connection's failed-jobs store.
    fn failed(&self) -> PyResult<AsyncFailedJobs> {
        crate::runtime::guard(|| Ok({
            AsyncFailedJobs {
                core: self.core.failed(),
            }
        }))
    }
}, shared {
    /// The queue's name.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok({
            self.core.name()
        }))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok({
            format!("Queue({:?})", self.core.name())
        }))
    }
};
    /// Pushes job `name` with `data` (any JSON value); returns its id once stored, or
    /// `None` when a job with the same `unique_key` is pending (policy `ignore`). Options:
    /// `tries`/`max_tries`, `backoff` (seconds or list), `retry_until` (seconds from now),
    /// `max_exceptions`, `timeout`, `unique_key`, `delay`, `id`, `display_name`.
    #[pyo3(signature = (name, data=None, **options))]
    fn push(&self, name: [String], data: [Option<&Bound<'_, PyAny>>], options: [Option<&Bound<'_, PyDict>>]) -> Option<String> {
        let (push, queue) = (Push::new(name, data, options)?, self.core.clone());
        async move { push.run(&queue, None).await.py_err() }
    }

    /// Pushes many jobs with up to 256 stores in flight; returns their ids (in order, `None`
    /// for ignored unique duplicates) once all are stored. `jobs` is an iterable of dicts
    /// `{"job": name, "data": value, **options}` with `push`'s options as keys.
    fn push_many(&self, jobs: [&Bound<'_, PyAny>]) -> Vec<Option<String>> {
        let (jobs, queue) = (new_jobs(jobs)?, self.core.clone());
        async move { queue.push_many(&jobs).await.py_err() }
    }

    /// Pushes a job that becomes available after `delay` seconds.
    #[pyo3(signature = (delay, name, data=None, **options))]
    fn later(&self, delay: [f64], name: [String], data: [Option<&Bound<'_, PyAny>>], options: [Option<&Bound<'_, PyDict>>]) -> Option<String> {
        let delay = seconds(Some(delay), "delay")?;
        let (push, queue) = (Push::new(name, data, options)?, self.core.clone());
        async move { push.run(&queue, delay).await.py_err() }
    }

    /// Takes the next job, waiting up to `timeout` seconds; `None` when none came.
    #[pyo3(signature = (timeout=0.0))]
    fn pop(&self, timeout: [Option<f64>]) -> MaybeJob {
        let (timeout, queue) = (pop_timeout(timeout)?, self.core.clone());
        async move {
            let job = queue.pop(timeout).await.py_err()?;
            Ok(MaybeJob(Jobs::new(job.into_iter().collect(), Self::ASYNCIO, None)))
        }
    }

    /// Takes up to `max` jobs, waiting up to `timeout` seconds for the first.
    #[pyo3(signature = (max, timeout=0.0))]
    fn pop_many(&self, max: [usize], timeout: [Option<f64>]) -> Jobs {
        let (timeout, queue) = (pop_timeout(timeout)?, self.core.clone());
        async move {
            let jobs = queue.pop_many(max, timeout).await.py_err()?;
            Ok(Jobs::new(jobs, Self::ASYNCIO, None))
        }
    }

    /// Ready, reserved, delayed and failed counts and the oldest waiting job's age.
    fn size(&self) -> QueueSize {
        let queue = self.core.clone();
        async move { Ok(QueueSize::from(queue.size().await.py_err()?)) }
    }

    /// Removes every waiting and delayed job; returns how many.
    fn clear(&self) -> u64 {
        let queue = self.core.clone();
        async move { queue.clear().await.py_err() }
    }

    /// Where the queue's stream lives: `layout`, `stream`, `leader`, `replicas`, `servers`,
    /// `cluster`.
    fn placement(&self) -> crate::jetstream::Json {
        let queue = self.core.clone();
        async move { crate::jetstream::Json::of(&queue.placement().await.py_err()?).py_err() }
    }

    /// Moves the queue's waiting and delayed jobs from the shared stream to its own stream;
    /// returns `queue`, `stream` and the counts `ready`, `delayed` moved, `reserved` left.
    fn migrate(&self) -> crate::jetstream::Json {
        let queue = self.core.clone();
        async move { crate::jetstream::Json::of(&queue.migrate().await.py_err()?).py_err() }
    }
}

fn hours(hours: Option<f64>) -> PyResult<Option<Duration>> {
    seconds(hours.map(|h| h * 3600.0), "hours")
}

/// The failed-jobs store of a connection, used with blocking calls.
#[pyclass(module = "natskit", name = "FailedJobs", frozen)]
pub struct FailedJobs {
    core: core::FailedJobs,
}

/// The failed-jobs store of a connection, used with `await`.
#[pyclass(module = "natskit.aio", name = "FailedJobs", frozen)]
pub struct AsyncFailedJobs {
    core: core::FailedJobs,
}

both! { FailedJobs {}, AsyncFailedJobs {};
    /// Failed jobs, oldest first (only `queue`'s when given).
    #[pyo3(signature = (queue=None))]
    fn list(&self, queue: [Option<String>]) -> Vec<FailedJob> {
        let core = self.core.clone();
        async move { Ok(failed_list(core.list(queue.as_deref()).await.py_err()?)) }
    }

    /// How many failed jobs there are (only `queue`'s when given).
    #[pyo3(signature = (queue=None))]
    fn count(&self, queue: [Option<String>]) -> u64 {
        let core = self.core.clone();
        async move { core.count(queue.as_deref()).await.py_err() }
    }

    /// One failed job (`NotFoundError` when there is none with this id).
    fn get(&self, id: [String]) -> FailedJob {
        let core = self.core.clone();
        async move { Ok(FailedJob { inner: core.get(&id).await.py_err()? }) }
    }

    /// Puts failed jobs back onto their queues with attempts reset; returns their ids.
    fn retry(&self, ids: [Vec<String>]) -> Vec<String> {
        let core = self.core.clone();
        async move { core.retry(&ids).await.py_err() }
    }

    /// Retries every failed job; returns their ids.
    fn retry_all(&self) -> Vec<String> {
        let core = self.core.clone();
        async move { core.retry_all().await.py_err() }
    }

    /// Removes one failed job; false when there was none with this id.
    fn forget(&self, id: [String]) -> bool {
        let core = self.core.clone();
        async move { core.forget(&id).await.py_err() }
    }

    /// Removes every failed job (only those older than `hours` when given); returns how many.
    #[pyo3(signature = (hours=None))]
    fn flush(&self, hours: [Option<f64>]) -> u64 {
        let (older, core) = (self::hours(hours)?, self.core.clone());
        async move { core.flush(older).await.py_err() }
    }
}

/// Checks a worker hook name (core's: the same in every host); `InvalidArgumentError`
/// naming the hooks otherwise.
#[pyfunction]
pub fn check_worker_hook(name: &str) -> PyResult<()> {
    crate::runtime::guard(|| core::WorkerHook::parse(name).map(drop).py_err())
}

/// The worker hooks' names, in the order they can fire.
pub fn worker_hooks() -> Vec<&'static str> {
    core::WorkerHook::ALL.iter().map(|h| h.as_str()).collect()
}

/// Builds a core worker from keyword options (the seed's names, see `WorkerOptions`).
fn core_worker(
    client: &Bound<'_, PyAny>,
    connection: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Arc<core::Worker>, WorkerOptions)> {
    let client = core_client(client)?;
    let options = WorkerOptions::from_json(options_json(options)?.as_deref()).py_err()?;
    let worker =
        natskit::runtime::enter(|| core::Worker::new(&client, connection, options.clone()))
            .py_err()?;
    Ok((Arc::new(worker), options))
}

/// The native half of `natskit.Worker`: core's worker loop steps, called from host threads.
#[pyclass(module = "natskit._native", name = "QueueWorker", frozen)]
pub struct QueueWorker {
    core: Arc<core::Worker>,
    options: WorkerOptions,
}

impl QueueWorker {
    const ASYNCIO: bool = false;
}

/// The native half of `natskit.aio.Worker` (awaitable steps).
#[pyclass(module = "natskit._native", name = "AsyncQueueWorker", frozen)]
pub struct AsyncQueueWorker {
    core: Arc<core::Worker>,
    options: WorkerOptions,
}

impl AsyncQueueWorker {
    const ASYNCIO: bool = true;
}

both! { QueueWorker {}, AsyncQueueWorker {}, shared {
    #[new]
    #[pyo3(signature = (client, connection="default", **options))]
    fn new(
        client: &Bound<'_, PyAny>,
        connection: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        crate::runtime::guard(|| {
            let (core, options) = core_worker(client, connection, options)?;
            Ok(Self { core, options })
        })
    }

    /// The options with defaults filled in.
    #[getter]
    fn options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            payload::to_python(py, &self.options)
        })
    }

    /// Asks the worker to stop: running jobs finish, no new ones are taken.
    fn stop(&self) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.core.stop();
            Ok(())
        })
    }

    /// True once a stop was requested.
    #[getter]
    fn is_stopping(&self) -> PyResult<bool> {
        crate::runtime::guard(|| Ok({
            self.core.is_stopping()
        }))
    }

    /// The host's memory use in MB, checked against the `memory` option.
    fn report_memory(&self, megabytes: u64) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.core.report_memory(megabytes);
            Ok(())
        })
    }

    /// Counters so far.
    fn stats(&self) -> PyResult<WorkerStats> {
        crate::runtime::guard(|| Ok({
            self.core.stats().into()
        }))
    }
};
    /// The next job (waiting up to `wait` seconds, at most `sleep`), `None` when idle,
    /// or the stop reason (`"requested"`, `"once"`, `"empty"`, `"max_jobs"`, ...).
    fn next(&self, wait: [f64]) -> NextStep {
        let wait_for = seconds(Some(wait), "wait")?.unwrap_or_default();
        let core = self.core.clone();
        async move {
            let step = core.next(wait_for).await.py_err()?;
            Ok(NextStep { step, asyncio: Self::ASYNCIO, worker: core })
        }
    }

    /// Finishes `job` with the handler's outcome (its own finish, else `error`'s, else
    /// success) and returns the event dict.
    #[pyo3(signature = (job, error=None))]
    fn finish(&self, job: [PyRef<'_, Job>], error: [Option<&Bound<'_, PyAny>>]) -> EventValue {
        job.settle(error)?
    }
}
