//! Waiting on core futures from Python, on the core's shared runtime.
//!
//! Blocking calls first try to finish without waiting; otherwise they wait with the GIL
//! released, in short slices, running Python's signal handlers between slices so Ctrl-C
//! raises `KeyboardInterrupt` promptly. Async calls become asyncio awaitables resolved
//! through the event loop's thread-safe callback, never from Python code on a tokio worker.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::FutureExt;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use pyo3_async_runtimes::generic::{ContextExt, Runtime};
use pyo3_async_runtimes::TaskLocals;
use tokio::sync::OnceCell;

use crate::error::IntoPy;

/// How long a blocking wait runs before it checks for signals.
const SLICE: Duration = Duration::from_millis(50);

/// Runs `future` to completion for a blocking Python call (see the module docs).
pub fn wait<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let mut future = Box::pin(future);
    if let Some(out) = natskit::runtime::enter(|| future.as_mut().now_or_never()) {
        return Ok(out);
    }
    loop {
        let step = py.detach(|| {
            natskit::runtime::block_on(async { tokio::time::timeout(SLICE, future.as_mut()).await })
        });
        match step.py_err()? {
            Ok(out) => return Ok(out),
            Err(_) => {
                if let Err(interrupted) = py.check_signals() {
                    natskit::runtime::enter(|| drop(future));
                    return Err(interrupted);
                }
            }
        }
    }
}

/// Converts seconds from Python (`None` = no limit) to a `Duration`.
pub fn seconds(value: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                crate::error::to_py(natskit::Error::new(
                    natskit::ErrorCode::InvalidArgument,
                    format!("{what}: {s} is not a number of seconds (>= 0)"),
                ))
            })
        })
        .transpose()
}

/// The core runtime as seen by pyo3-async-runtimes: tasks go to `natskit::runtime`,
/// which a forked child rebuilds on first use.
pub struct CoreRuntime;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl Runtime for CoreRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        natskit::runtime::handle().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        natskit::runtime::handle().spawn_blocking(f)
    }
}

impl ContextExt for CoreRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(OnceCell::new_with(Some(locals)), fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}

/// An asyncio awaitable for `future`. A future that completes on its first poll (a
/// publish with room in the send buffer) becomes a [`Ready`] awaitable at once; the
/// others run on the core runtime and resolve an asyncio future on the running loop.
pub fn awaitable<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let mut future = Box::pin(future);
    match natskit::runtime::enter(|| future.as_mut().now_or_never()) {
        Some(out) => Ok(Ready::new(py, out?)?.into_any()),
        None => pyo3_async_runtimes::generic::future_into_py::<CoreRuntime, _, T>(py, future),
    }
}

/// An awaitable whose result is already known (the fast path of async calls that
/// completed without waiting): `await` returns the value at once.
#[pyclass(module = "natskit._native")]
pub struct Ready {
    value: Option<Py<PyAny>>,
}

impl Ready {
    /// An awaitable that yields `value`.
    pub fn new<'py>(py: Python<'py>, value: impl IntoPyObject<'py>) -> PyResult<Bound<'py, Ready>> {
        let value = value.into_py_any(py)?;
        Bound::new(py, Ready { value: Some(value) })
    }
}

#[pymethods]
impl Ready {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<()> {
        let value = self.value.take().unwrap_or_else(|| py.None());
        Err(PyStopIteration::new_err((value,)))
    }
}
