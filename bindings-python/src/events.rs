//! `on_event`: connection events handed to Python on a natskit-owned thread (one per
//! registration), in order, up to and including `closed`; then the thread ends.

use std::sync::Mutex;
use std::thread::JoinHandle;

use pyo3::prelude::*;

use crate::payload;

/// The event threads of one sync client, joined by its `close()`.
#[derive(Default)]
pub struct EventThreads(Mutex<Vec<JoinHandle<()>>>);

impl EventThreads {
    /// Hands every event from now on to `callback`, on a new thread.
    pub fn start(&self, core: &natskit::Client, callback: Py<PyAny>) -> PyResult<()> {
        let handle = spawn(core, callback)?;
        lock(&self.0).push(handle);
        Ok(())
    }

    /// Waits until every thread has handed over `closed` (skipping the calling thread, when
    /// `close()` runs inside an event callback). Call only once the connection is closed.
    pub fn join(&self, py: Python<'_>) {
        let me = std::thread::current().id();
        for handle in std::mem::take(&mut *lock(&self.0)) {
            if handle.thread().id() != me {
                py.detach(|| drop(handle.join()));
            }
        }
    }
}

/// A thread calling `callback(event)` with the GIL held for each event; a callback's exception
/// goes to `sys.unraisablehook` and the thread carries on.
pub fn spawn(core: &natskit::Client, callback: Py<PyAny>) -> PyResult<JoinHandle<()>> {
    let mut events = core.events();
    let thread = std::thread::Builder::new()
        .name("natskit-events".into())
        .spawn(move || {
            while let Some(event) = events.blocking_next() {
                Python::attach(|py| {
                    let called = payload::to_python(py, &event)
                        .and_then(|e| callback.call1(py, (e,)).map(drop));
                    if let Err(err) = called {
                        err.write_unraisable(py, Some(callback.bind(py)));
                    }
                });
            }
            Python::attach(|_| drop(callback));
        })?;
    Ok(thread)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
