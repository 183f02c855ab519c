//! `natskit.Subscription` (blocking `next`, iteration) and `natskit.aio.Subscription`
//! (`await next()`, `async for`).

use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::{to_py, IntoPy};
use crate::message::{AsyncMsg, Message};
use crate::runtime::{awaitable, seconds, wait, Ready};

/// A core subscription shared by the Python object and, for callbacks, the dispatcher.
pub type SubCell = Arc<Mutex<natskit::Subscription>>;

/// Longest time a waiting receive holds the subscription, so that `unsubscribe`,
/// `drain` and `dropped` from elsewhere get through.
const LOCK_SLICE: Duration = Duration::from_millis(50);

/// A message that has already arrived, without waiting (`None` while another caller
/// holds the subscription).
pub fn ready(cell: &SubCell) -> natskit::Result<Option<natskit::Message>> {
    match cell.try_lock() {
        Ok(mut sub) => sub.try_next(),
        Err(_) => Ok(None),
    }
}

/// Waits for the next message (`None` once `timeout` passes), see [`LOCK_SLICE`].
pub async fn next(
    cell: &SubCell,
    timeout: Option<Duration>,
) -> natskit::Result<Option<natskit::Message>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let slice = deadline.map_or(LOCK_SLICE, |d| {
            d.saturating_duration_since(Instant::now()).min(LOCK_SLICE)
        });
        if let Some(m) = cell.lock().await.next_timeout(Some(slice)).await? {
            return Ok(Some(m));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
    }
}

fn is_end(err: &natskit::Error) -> bool {
    err.code() == natskit::ErrorCode::Closed
}

/// A subscription read with blocking calls.
#[pyclass(module = "natskit", name = "Subscription", frozen)]
pub struct Subscription {
    cell: SubCell,
    subject: String,
    queue: Option<String>,
    has_callback: bool,
}

impl Subscription {
    /// Wraps a core subscription; with `has_callback` its messages go to `Client.process`.
    pub fn new(sub: natskit::Subscription, has_callback: bool) -> Self {
        Subscription {
            subject: sub.subject().to_string(),
            queue: sub.queue().map(String::from),
            cell: Arc::new(Mutex::new(sub)),
            has_callback,
        }
    }

    /// The shared core subscription.
    pub fn cell(&self) -> SubCell {
        self.cell.clone()
    }

    /// A message, `Ok(None)` on timeout; the outer error is a signal or misuse.
    fn receive(
        &self,
        py: Python<'_>,
        timeout: Option<Duration>,
    ) -> PyResult<natskit::Result<Option<natskit::Message>>> {
        if self.has_callback {
            return Err(to_py(natskit::Error::new(
                natskit::ErrorCode::InvalidArgument,
                format!(
                    "the subscription to {} has a callback; its messages are delivered by Client.process()",
                    self.subject
                ),
            )));
        }
        match ready(&self.cell) {
            Ok(None) => wait(py, next(&self.cell, timeout)),
            other => Ok(other),
        }
    }
}

#[pymethods]
impl Subscription {
    /// The subject subscribed to.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.subject.as_str()))
    }

    /// The queue group, if any.
    #[getter]
    fn queue(&self) -> PyResult<Option<&str>> {
        crate::runtime::guard(|| Ok(self.queue.as_deref()))
    }

    /// The next message, or `None` once `timeout` seconds pass (`None` waits forever).
    #[pyo3(signature = (timeout=None))]
    fn next(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Message>> {
        crate::runtime::guard(|| {
            let got = self.receive(py, seconds(timeout, "timeout")?)?.py_err()?;
            Ok(got.map(Message::sync))
        })
    }

    /// Waits up to `timeout` for a first message, then takes up to `max` that are ready.
    #[pyo3(signature = (max=256, timeout=None))]
    fn next_many(
        &self,
        py: Python<'_>,
        max: usize,
        timeout: Option<f64>,
    ) -> PyResult<Vec<Message>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let Some(first) = self.receive(py, timeout)?.py_err()? else {
                return Ok(Vec::new());
            };
            let mut batch = vec![Message::sync(first)];
            if let Ok(mut sub) = self.cell.try_lock() {
                while batch.len() < max {
                    match sub.try_next() {
                        Ok(Some(m)) => batch.push(Message::sync(m)),
                        _ => break,
                    }
                }
            }
            Ok(batch)
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Message>> {
        crate::runtime::guard(|| match self.receive(py, None)? {
            Err(e) if is_end(&e) => Ok(None),
            got => Ok(got.py_err()?.map(Message::sync)),
        })
    }

    /// Stops interest now; buffered messages are discarded.
    fn unsubscribe(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            wait(py, async { self.cell.lock().await.unsubscribe().await })?.py_err()
        })
    }

    /// Stops interest but still delivers what the server already sent.
    fn drain(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| wait(py, async { self.cell.lock().await.drain().await })?.py_err())
    }

    /// Messages dropped because this subscription fell behind.
    #[getter]
    fn dropped(&self, py: Python<'_>) -> PyResult<u64> {
        crate::runtime::guard(|| wait(py, async { self.cell.lock().await.dropped() }))
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        crate::runtime::guard(|| self.unsubscribe(py))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "Subscription(subject={:?}, queue={:?})",
                    self.subject, self.queue
                )
            })
        })
    }
}

/// A subscription read with `await`.
#[pyclass(module = "natskit.aio", name = "Subscription", frozen)]
pub struct AsyncSubscription {
    cell: SubCell,
    subject: String,
    queue: Option<String>,
}

impl AsyncSubscription {
    /// Wraps a core subscription.
    pub fn new(sub: natskit::Subscription) -> Self {
        AsyncSubscription {
            subject: sub.subject().to_string(),
            queue: sub.queue().map(String::from),
            cell: Arc::new(Mutex::new(sub)),
        }
    }
}

#[pymethods]
impl AsyncSubscription {
    /// The subject subscribed to.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.subject.as_str()))
    }

    /// The queue group, if any.
    #[getter]
    fn queue(&self) -> PyResult<Option<&str>> {
        crate::runtime::guard(|| Ok(self.queue.as_deref()))
    }

    /// The next message, or `None` once `timeout` seconds pass (`None` waits forever).
    #[pyo3(signature = (timeout=None))]
    fn next<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            if let Some(m) = ready(&self.cell).py_err()? {
                return Ok(Ready::new(py, AsyncMsg(m))?.into_any());
            }
            let timeout = seconds(timeout, "timeout")?;
            let cell = self.cell.clone();
            awaitable(py, async move {
                Ok(next(&cell, timeout).await.py_err()?.map(AsyncMsg))
            })
        })
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            match ready(&self.cell) {
                Ok(Some(m)) => return Ok(Ready::new(py, AsyncMsg(m))?.into_any()),
                Err(e) if is_end(&e) => return Err(PyStopAsyncIteration::new_err(())),
                Err(e) => return Err(to_py(e)),
                Ok(None) => {}
            }
            let cell = self.cell.clone();
            awaitable(py, async move {
                match next(&cell, None).await {
                    Ok(Some(m)) => Ok(AsyncMsg(m)),
                    Ok(None) => Err(PyStopAsyncIteration::new_err(())),
                    Err(e) if is_end(&e) => Err(PyStopAsyncIteration::new_err(())),
                    Err(e) => Err(to_py(e)),
                }
            })
        })
    }

    /// Stops interest now; buffered messages are discarded.
    fn unsubscribe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let cell = self.cell.clone();
            awaitable(
                py,
                async move { cell.lock().await.unsubscribe().await.py_err() },
            )
        })
    }

    /// Stops interest but still delivers what the server already sent.
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let cell = self.cell.clone();
            awaitable(py, async move { cell.lock().await.drain().await.py_err() })
        })
    }

    /// Messages dropped because this subscription fell behind.
    #[getter]
    fn dropped(&self, py: Python<'_>) -> PyResult<u64> {
        crate::runtime::guard(|| wait(py, async { self.cell.lock().await.dropped() }))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "Subscription(subject={:?}, queue={:?})",
                    self.subject, self.queue
                )
            })
        })
    }
}
