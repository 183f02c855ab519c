//! Waiting on core futures from Python, on the core's shared runtime.
//!
//! Blocking calls first try to finish without waiting; otherwise they wait with the GIL
//! released, in short slices, running Python's signal handlers between slices so Ctrl-C
//! raises `KeyboardInterrupt` promptly. Async calls become asyncio awaitables whose results
//! the runtime posts to a per-loop mailbox; the loop's reader callback sets them on its own
//! thread, so no tokio thread ever waits for the GIL. Both are the panic boundary of the core:
//! a panic while a core future runs becomes natskit's `PanicError` (`PANIC`).

use std::any::Any;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    let mut future = Box::pin(AssertUnwindSafe(future).catch_unwind());
    if let Some(out) = natskit::runtime::enter(|| future.as_mut().now_or_never()) {
        return out.map_err(panicked);
    }
    loop {
        let step = py.detach(|| {
            natskit::runtime::block_on(async { tokio::time::timeout(SLICE, future.as_mut()).await })
        });
        match step.py_err()? {
            Ok(out) => return out.map_err(panicked),
            Err(_) => {
                if let Err(interrupted) = py.check_signals() {
                    natskit::runtime::enter(|| drop(future));
                    return Err(interrupted);
                }
            }
        }
    }
}

/// Runs binding code (anything outside a core future) with a panic turned into natskit's
/// `PanicError` rather than pyo3's `PanicException`: every exported method's body returns
/// through this (the `both!` twins and `#[pymethods]`/`#[pyfunction]` bodies). Costs nothing
/// unless it panics.
pub fn guard<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(out) => out,
        Err(payload) => Err(panicked(payload)),
    }
}

/// A panic of a core future: natskit's `PanicError`, not pyo3's `PanicException`.
fn panicked(payload: Box<dyn Any + Send>) -> PyErr {
    crate::error::to_py(natskit::error::panic_error(payload.as_ref()))
}

/// Converts seconds from Python (`None` = no limit) to a `Duration`.
pub fn seconds(value: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    value
        .map(|s| natskit::duration::seconds(s, what).map_err(crate::error::to_py))
        .transpose()
}

/// An asyncio awaitable for `future`. A future that completes on its first poll (a
/// publish with room in the send buffer) becomes a [`Ready`] awaitable at once. Others
/// run as a task on the core runtime, which posts the result to the event loop's
/// [`Inbox`] without touching Python; the loop sets it on its own thread. Cancelling the
/// asyncio future aborts the task.
pub fn awaitable<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let mut future = Box::pin(
        AssertUnwindSafe(future)
            .catch_unwind()
            .map(|out| out.unwrap_or_else(|payload| Err(panicked(payload)))),
    );
    if let Some(out) = natskit::runtime::enter(|| future.as_mut().now_or_never()) {
        return Ok(Ready::new(py, out?)?.into_any());
    }
    let event_loop = running_loop(py)?;
    let mailbox = Inbox::of(&event_loop)?;
    let py_future = event_loop.call_method0(intern!(py, "create_future"))?;
    let (abort, registration) = AbortHandle::new_pair();
    py_future.call_method1(intern!(py, "add_done_callback"), (Canceller { abort },))?;
    let target = py_future.clone().unbind();
    natskit::runtime::handle().spawn(async move {
        let Ok(result) = Abortable::new(future, registration).await else {
            return;
        };
        mailbox.post(
            target,
            Box::new(move |py| result.and_then(|v| v.into_py_any(py))),
        );
    });
    Ok(py_future)
}

/// Turns a finished result into a Python value once the GIL is held.
type Outcome = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// Results finished on the runtime for one event loop. Posting queues the result and,
/// when the queue was empty, writes one byte to a socket the loop watches.
struct Mailbox {
    queue: Mutex<Vec<(Py<PyAny>, Outcome)>>,
    bell: UnixStream,
    ear: UnixStream,
}

impl Mailbox {
    fn new() -> std::io::Result<Mailbox> {
        let (bell, ear) = UnixStream::pair()?;
        bell.set_nonblocking(true)?;
        ear.set_nonblocking(true)?;
        Ok(Mailbox {
            queue: Mutex::new(Vec::new()),
            bell,
            ear,
        })
    }

    /// Queues a result for `future` (called on the runtime, no GIL needed).
    fn post(&self, future: Py<PyAny>, outcome: Outcome) {
        let first = {
            let mut queue = lock(&self.queue);
            queue.push((future, outcome));
            queue.len() == 1
        };
        if first {
            // A full socket already holds a wake-up for the loop.
            let _ = (&self.bell).write(&[1]);
        }
    }
}

/// The reader callback an event loop runs when its [`Mailbox`] rings: sets every queued
/// result on its future (unless cancelled meanwhile).
#[pyclass(module = "natskit._native", frozen)]
struct Inbox {
    mailbox: Arc<Mailbox>,
}

static INBOXES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl Inbox {
    /// The mailbox of `event_loop`, registered with `add_reader` on first use.
    fn of(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Mailbox>> {
        let py = event_loop.py();
        let inboxes = INBOXES
            .get_or_try_init(py, || {
                py.import("weakref")?
                    .getattr("WeakKeyDictionary")?
                    .call0()
                    .map(Bound::unbind)
            })?
            .bind(py);
        let found = inboxes.call_method1(intern!(py, "get"), (event_loop,))?;
        if let Ok(inbox) = found.cast::<Inbox>() {
            return Ok(inbox.get().mailbox.clone());
        }
        let mailbox = Arc::new(Mailbox::new()?);
        let inbox = Bound::new(
            py,
            Inbox {
                mailbox: mailbox.clone(),
            },
        )?;
        event_loop.call_method1(
            intern!(py, "add_reader"),
            (mailbox.ear.as_raw_fd(), inbox.clone()),
        )?;
        inboxes.set_item(event_loop, inbox)?;
        Ok(mailbox)
    }
}

#[pymethods]
impl Inbox {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            let mut buf = [0u8; 64];
            while matches!((&self.mailbox.ear).read(&mut buf), Ok(n) if n > 0) {}
            let taken = std::mem::take(&mut *lock(&self.mailbox.queue));
            let mut failure = Ok(());
            for (future, outcome) in taken {
                let settled = settle(future.bind(py), outcome(py));
                if failure.is_ok() {
                    failure = settled;
                }
            }
            failure
        })
    }
}

/// Sets an asyncio future's outcome, unless it was cancelled.
fn settle(future: &Bound<'_, PyAny>, outcome: PyResult<Py<PyAny>>) -> PyResult<()> {
    let py = future.py();
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match outcome {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,))?,
        Err(err) => future.call_method1(intern!(py, "set_exception"), (err.into_value(py),))?,
    };
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Done-callback of an awaitable: aborts the core task when asyncio cancelled it.
#[pyclass(module = "natskit._native")]
struct Canceller {
    abort: AbortHandle,
}

#[pymethods]
impl Canceller {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        crate::runtime::guard(|| {
            if future
                .call_method0(intern!(future.py(), "cancelled"))?
                .is_truthy()?
            {
                self.abort.abort();
            }
            Ok(())
        })
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
    fn __await__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            let value = self.value.take().unwrap_or_else(|| py.None());
            Err(PyStopIteration::new_err((value,)))
        })
    }
}
