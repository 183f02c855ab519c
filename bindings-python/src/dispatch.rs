//! Callbacks of the sync API: `Client.process(timeout)` collects what the callback
//! subscriptions received and calls each callback on the calling thread; after
//! `start_dispatcher()` one natskit-owned thread does that instead, until `close()`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3::prelude::*;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::IntoPy;
use crate::message::Message;
use crate::runtime::wait;
use crate::subscription::SubCell;

/// Most messages taken from one subscription per `process` call, so a busy subject
/// cannot keep `process` from returning.
const BATCH: usize = 4096;

/// How long one wait holds the subscriptions before letting `unsubscribe` through.
const LOCK_SLICE: Duration = Duration::from_millis(50);

/// How often the dispatcher thread looks whether its connection was closed another way.
const CLOSED_POLL: Duration = Duration::from_millis(100);

/// What the dispatcher thread is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Dispatch as messages come.
    On,
    /// Dispatch what is already there, then end (after a drain).
    UntilIdle,
    /// End after the callback in progress.
    Off,
}

/// The callback subscriptions of one client and the messages waiting for their callbacks.
#[derive(Default)]
pub struct Dispatcher {
    registrations: Mutex<Vec<(SubCell, Py<PyAny>)>>,
    pending: Mutex<VecDeque<(Py<PyAny>, natskit::Message)>>,
    thread: Mutex<Option<(JoinHandle<()>, watch::Sender<Run>)>>,
    /// Bumped by each registration, so the dispatcher thread's wait takes the new one in.
    registered: watch::Sender<u64>,
}

impl Dispatcher {
    /// Delivers the subscription's messages to `callback` from now on.
    pub fn register(&self, cell: SubCell, callback: Py<PyAny>) {
        lock(&self.registrations).push((cell, callback));
        self.registered.send_modify(|n| *n += 1);
    }

    /// Waits up to `timeout` (`None`: until something arrives) for messages, then calls
    /// the callbacks; returns how many were called. A callback's exception stops the
    /// round and is raised; the remaining messages go out on the next call.
    pub fn process(&self, py: Python<'_>, timeout: Option<Duration>) -> PyResult<usize> {
        if lock(&self.thread).is_some() {
            return Err(crate::error::to_py(natskit::Error::new(
                natskit::ErrorCode::InvalidArgument,
                "process(): the dispatcher thread runs this client's callbacks",
            )));
        }
        if lock(&self.pending).is_empty() {
            self.collect(py, timeout, None)?;
        }
        self.call_pending(py, |err, _| Err(err))
    }

    /// Starts the dispatcher thread (once; later calls do nothing).
    pub fn start(self: &Arc<Self>, core: natskit::Client) -> PyResult<()> {
        let mut slot = lock(&self.thread);
        if slot.is_none() {
            let (tx, rx) = watch::channel(Run::On);
            let me = self.clone();
            let thread = std::thread::Builder::new()
                .name("natskit-dispatch".into())
                .spawn(move || me.run(&core, rx))?;
            *slot = Some((thread, tx));
        }
        Ok(())
    }

    /// Tells the dispatcher thread (if any) to end as `how` says and waits for it, unless
    /// called from it (a callback closing its client): then it ends when the callback returns.
    pub fn stop(&self, py: Python<'_>, how: Run) {
        let Some((thread, run)) = lock(&self.thread).take() else {
            return;
        };
        run.send_replace(how);
        if thread.thread().id() != std::thread::current().id() {
            py.detach(|| drop(thread.join()));
        }
    }

    /// The dispatcher thread: a callback's exception goes to `sys.unraisablehook`; once the
    /// connection is closed it runs what is left and ends quietly.
    fn run(&self, core: &natskit::Client, mut run: watch::Receiver<Run>) {
        loop {
            let how = match *run.borrow_and_update() {
                Run::Off => return,
                // Closed some other way (a manager, the server giving up): finish, then end.
                Run::On if core.is_closed() => Run::UntilIdle,
                how => how,
            };
            let done = Python::attach(|py| {
                if lock(&self.pending).is_empty() {
                    let timeout = (how == Run::UntilIdle).then_some(Duration::ZERO);
                    if let Err(err) = self.collect(py, timeout, Some((&mut run, core))) {
                        if core.is_closed() {
                            return true;
                        }
                        err.write_unraisable(py, None);
                    }
                }
                let called = self.call_pending(py, |err, callback| {
                    err.write_unraisable(py, Some(callback.bind(py)));
                    Ok(())
                });
                how == Run::UntilIdle && called.is_ok_and(|n| n == 0)
            });
            if done {
                return;
            }
        }
    }

    /// Calls the callback of each pending message; `failed` decides what a callback's
    /// exception does (`Err` stops the round).
    fn call_pending(
        &self,
        py: Python<'_>,
        mut failed: impl FnMut(PyErr, &Py<PyAny>) -> PyResult<()>,
    ) -> PyResult<usize> {
        let mut called = 0;
        loop {
            let Some((callback, msg)) = lock(&self.pending).pop_front() else {
                return Ok(called);
            };
            called += 1;
            if let Err(err) = callback.call1(py, (Message::sync(msg),)) {
                failed(err, &callback)?;
            }
        }
    }

    /// Waits for messages (with `stop`, for the dispatcher thread: until it changes, a
    /// subscription is added or the connection closes) and queues them.
    fn collect(
        &self,
        py: Python<'_>,
        timeout: Option<Duration>,
        stop: Option<(&mut watch::Receiver<Run>, &natskit::Client)>,
    ) -> PyResult<()> {
        let mut registered = self.registered.subscribe();
        let registrations: Vec<(SubCell, Py<PyAny>)> = {
            let mut regs = lock(&self.registrations);
            regs.retain(|(cell, _)| cell.try_lock().map_or(true, |s| !s.is_closed()));
            regs.iter()
                .map(|(cell, cb)| (cell.clone(), cb.clone_ref(py)))
                .collect()
        };
        let cells: Vec<SubCell> = registrations.iter().map(|(c, _)| c.clone()).collect();
        let received = wait(py, async {
            match stop {
                None => receive(&cells, timeout).await,
                Some((stop, core)) => tokio::select! {
                    received = receive(&cells, timeout) => match received {
                        // A subscription ended (unsubscribed, drained, its connection closing):
                        // it is closed now, so the next round leaves it out.
                        Err(e) if e.code() == natskit::ErrorCode::Closed => Ok(Vec::new()),
                        received => received,
                    },
                    _ = stop.changed() => Ok(Vec::new()),
                    _ = registered.changed() => Ok(Vec::new()),
                    // Closed another way (a manager) with no subscription left to tell it.
                    _ = closed(core) => Ok(Vec::new()),
                },
            }
        })?
        .py_err()?;
        let mut pending = lock(&self.pending);
        for (i, msg) in received {
            pending.push_back((registrations[i].1.clone_ref(py), msg));
        }
        Ok(())
    }
}

/// Returns once `core` is closed.
async fn closed(core: &natskit::Client) {
    while !core.is_closed() {
        tokio::time::sleep(CLOSED_POLL).await;
    }
}

/// Waits for a first message on any subscription, then takes what else is ready.
async fn receive(
    cells: &[SubCell],
    timeout: Option<Duration>,
) -> natskit::Result<Vec<(usize, natskit::Message)>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let slice = deadline.map_or(LOCK_SLICE, |d| {
            d.saturating_duration_since(Instant::now()).min(LOCK_SLICE)
        });
        let mut guards = Vec::with_capacity(cells.len());
        for cell in cells {
            guards.push(cell.lock().await);
        }
        let (index, mut live): (Vec<usize>, Vec<&mut natskit::Subscription>) = guards
            .iter_mut()
            .enumerate()
            .filter(|(_, s)| !s.is_closed())
            .map(|(i, s)| (i, &mut **s))
            .unzip();
        if live.is_empty() {
            drop(guards);
            tokio::time::sleep(slice).await;
        } else if let Some((first, msg)) = natskit::next_any(&mut live, Some(slice)).await? {
            let mut received = vec![(index[first], msg)];
            for (i, sub) in live.iter_mut().enumerate() {
                let mut taken = 0;
                while taken < BATCH {
                    match sub.try_next() {
                        Ok(Some(m)) => received.push((index[i], m)),
                        _ => break,
                    }
                    taken += 1;
                }
            }
            return Ok(received);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Vec::new());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
