//! Waiting on core futures from Python, on the core's shared runtime.
//!
//! Blocking calls first try to finish without waiting; otherwise they wait with the GIL
//! released, in short slices, running Python's signal handlers between slices so Ctrl-C
//! raises `KeyboardInterrupt` promptly. Async calls become asyncio awaitables resolved
//! through the event loop's thread-safe callback, never from Python code on a tokio worker.

use std::future::Future;
use std::time::Duration;

use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::{AbortHandle, Abortable};
use futures::FutureExt;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::{intern, IntoPyObjectExt};

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

/// Set when the interpreter starts to shut down: results that arrive later are dropped
/// instead of waiting for a GIL that will never be handed out again.
static FINALIZING: AtomicBool = AtomicBool::new(false);

/// `atexit` hook (registered by the module) that sets [`FINALIZING`].
#[pyfunction]
pub fn _interpreter_exiting() {
    FINALIZING.store(true, Ordering::SeqCst);
}

/// An asyncio awaitable for `future`. A future that completes on its first poll (a
/// publish with room in the send buffer) becomes a [`Ready`] awaitable at once. Others
/// run as a task on the core runtime; a blocking-pool thread then hands the result to the
/// event loop with `call_soon_threadsafe`, and [`resolve`] sets it on the loop's own
/// thread. Cancelling the asyncio future aborts the task.
pub fn awaitable<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let mut future = Box::pin(future);
    if let Some(out) = natskit::runtime::enter(|| future.as_mut().now_or_never()) {
        return Ok(Ready::new(py, out?)?.into_any());
    }
    let event_loop = running_loop(py)?;
    let py_future = event_loop.call_method0(intern!(py, "create_future"))?;
    let (abort, registration) = AbortHandle::new_pair();
    py_future.call_method1(intern!(py, "add_done_callback"), (Canceller { abort },))?;
    let target = (event_loop.unbind(), py_future.clone().unbind());
    let runtime = natskit::runtime::handle();
    runtime.clone().spawn(async move {
        let Ok(result) = Abortable::new(future, registration).await else {
            return;
        };
        runtime.spawn_blocking(move || hand_over(target, result));
    });
    Ok(py_future)
}

/// Schedules [`resolve`] on the event loop (nothing when the loop or interpreter is gone).
fn hand_over<T>(target: (Py<PyAny>, Py<PyAny>), result: PyResult<T>)
where
    T: for<'a> IntoPyObject<'a>,
{
    if FINALIZING.load(Ordering::SeqCst) {
        return;
    }
    Python::attach(|py| {
        let (event_loop, py_future) = target;
        let (value, error) = match result.and_then(|v| v.into_py_any(py)) {
            Ok(value) => (value, py.None()),
            Err(err) => (py.None(), err.into_value(py).into_any()),
        };
        let Ok(resolve) = wrap_pyfunction!(resolve, py) else {
            return;
        };
        // A closed loop means nobody awaits the result any more.
        let _ = event_loop.call_method1(
            py,
            intern!(py, "call_soon_threadsafe"),
            (resolve, py_future, value, error),
        );
    });
}

/// Sets an asyncio future's outcome on its loop's thread, unless it was cancelled.
#[pyfunction]
fn resolve(
    future: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    error: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = future.py();
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    if error.is_none() {
        future.call_method1(intern!(py, "set_result"), (value,))?;
    } else {
        future.call_method1(intern!(py, "set_exception"), (error,))?;
    }
    Ok(())
}

/// Done-callback of an awaitable: aborts the core task when asyncio cancelled it.
#[pyclass(module = "natskit._native")]
struct Canceller {
    abort: AbortHandle,
}

#[pymethods]
impl Canceller {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future
            .call_method0(intern!(future.py(), "cancelled"))?
            .is_truthy()?
        {
            self.abort.abort();
        }
        Ok(())
    }
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    GET_RUNNING_LOOP
        .get_or_try_init(py, || {
            py.import("asyncio")?
                .getattr("get_running_loop")
                .map(Bound::unbind)
        })?
        .bind(py)
        .call0()
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
