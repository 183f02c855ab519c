//! Callbacks of the sync API: `Client.process(timeout)` collects what the callback
//! subscriptions received and calls each callback on the calling thread.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::prelude::*;
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

/// The callback subscriptions of one client and the messages waiting for their callbacks.
#[derive(Default)]
pub struct Dispatcher {
    registrations: Mutex<Vec<(SubCell, Py<PyAny>)>>,
    pending: Mutex<VecDeque<(Py<PyAny>, natskit::Message)>>,
}

impl Dispatcher {
    /// Delivers the subscription's messages to `callback` from now on.
    pub fn register(&self, cell: SubCell, callback: Py<PyAny>) {
        lock(&self.registrations).push((cell, callback));
    }

    /// Waits up to `timeout` (`None`: until something arrives) for messages, then calls
    /// the callbacks; returns how many were called. A callback's exception stops the
    /// round and is raised; the remaining messages go out on the next call.
    pub fn process(&self, py: Python<'_>, timeout: Option<Duration>) -> PyResult<usize> {
        if lock(&self.pending).is_empty() {
            self.collect(py, timeout)?;
        }
        let mut called = 0;
        loop {
            let Some((callback, msg)) = lock(&self.pending).pop_front() else {
                return Ok(called);
            };
            callback.call1(py, (Message::sync(msg),))?;
            called += 1;
        }
    }

    fn collect(&self, py: Python<'_>, timeout: Option<Duration>) -> PyResult<()> {
        let registrations: Vec<(SubCell, Py<PyAny>)> = {
            let mut regs = lock(&self.registrations);
            regs.retain(|(cell, _)| cell.try_lock().map_or(true, |s| !s.is_closed()));
            regs.iter()
                .map(|(cell, cb)| (cell.clone(), cb.clone_ref(py)))
                .collect()
        };
        let cells: Vec<SubCell> = registrations.iter().map(|(c, _)| c.clone()).collect();
        let received = wait(py, receive(&cells, timeout))?.py_err()?;
        let mut pending = lock(&self.pending);
        for (i, msg) in received {
            pending.push_back((registrations[i].1.clone_ref(py), msg));
        }
        Ok(())
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
