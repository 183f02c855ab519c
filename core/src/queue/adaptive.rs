//! Adaptive prefetch, the default of workers and [`super::Prefetch`] readers that set no size.
//!
//! The rule: the first pull takes `min` jobs (the worker's concurrency, 1 for a reader); each
//! pull that comes back full doubles the next one, up to [`MAX`] and up to what the worker
//! runs in [`BUDGET`] by the average of its recent jobs, so long jobs keep pulls at `min`.
//! Jobs taken ahead stay reserved (each has its heartbeat); when the worker hands out and
//! finishes no job for [`HOLD`] (its jobs run long, or its host stopped asking), the held
//! ones go back to the queue, attempt not counted, for any worker to take.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use super::Job;

/// The largest adaptive pull.
pub(crate) const MAX: usize = 64;
/// How much work (by the recent average) one adaptive pull may take ahead.
pub(crate) const BUDGET: Duration = Duration::from_millis(20);
/// How long held jobs wait for a worker that makes no progress before they go back.
pub(crate) const HOLD: Duration = Duration::from_millis(100);

/// The size of the next adaptive pull.
#[derive(Debug)]
pub(crate) struct Adaptive {
    min: usize,
    batch: AtomicUsize,
    /// Average run time of recent jobs, µs (0 until one ran).
    average: AtomicU64,
}

impl Adaptive {
    pub(crate) fn new(min: usize) -> Adaptive {
        let min = min.max(1);
        Adaptive {
            min,
            batch: AtomicUsize::new(min),
            average: AtomicU64::new(0),
        }
    }

    /// Jobs the next pull takes.
    pub(crate) fn size(&self) -> usize {
        self.bounded(self.batch.load(Ordering::Relaxed))
    }

    /// After a pull for `asked` jobs brought `got`: a full pull doubles the next one.
    pub(crate) fn pulled(&self, asked: usize, got: usize) {
        if got >= asked {
            self.batch
                .store(self.bounded(asked.saturating_mul(2)), Ordering::Relaxed);
        }
    }

    /// Records how long one job ran (a moving average over about four jobs).
    pub(crate) fn ran(&self, took: Duration) {
        let took = (took.as_micros() as u64).max(1);
        let before = self.average.load(Ordering::Relaxed);
        let average = match before {
            0 => took,
            _ => (before * 3 + took) / 4,
        };
        self.average.store(average.max(1), Ordering::Relaxed);
    }

    /// `batch` within `min..=MAX` and within what `min` loops run in `BUDGET`.
    fn bounded(&self, batch: usize) -> usize {
        let fits = match self.average.load(Ordering::Relaxed) {
            0 => MAX,
            average => {
                (BUDGET.as_micros() as u64 * self.min as u64 / average).min(MAX as u64) as usize
            }
        };
        batch.min(fits).min(MAX).max(self.min)
    }
}

/// Jobs taken and not yet handed out, given back after [`HOLD`] without progress when
/// `release` is set (adaptive mode; an explicit size keeps what it took).
#[derive(Debug)]
pub(crate) struct Held {
    inner: Arc<HeldInner>,
    release: bool,
    watcher: OnceLock<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct HeldInner {
    jobs: Mutex<VecDeque<Job>>,
    /// Counts jobs handed out and finished: unchanged over a `HOLD`, the worker is stuck.
    progress: AtomicU64,
}

impl Held {
    pub(crate) fn new(release: bool) -> Held {
        Held {
            inner: Arc::default(),
            release,
            watcher: OnceLock::new(),
        }
    }

    /// The next held job.
    pub(crate) fn pop(&self) -> Option<Job> {
        self.inner.lock().pop_front()
    }

    /// Holds `jobs` (taken after the one handed out).
    pub(crate) fn hold(&self, jobs: impl IntoIterator<Item = Job>) {
        let mut held = self.inner.lock();
        held.extend(jobs);
        if self.release && !held.is_empty() {
            self.watcher
                .get_or_init(|| watch(Arc::downgrade(&self.inner)));
        }
    }

    /// Notes that a job was handed out or finished.
    pub(crate) fn progress(&self) {
        self.inner.progress.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Every held job, now out of the buffer.
    pub(crate) fn drain(&self) -> Vec<Job> {
        self.inner.lock().drain(..).collect()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
    }
}

impl HeldInner {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every `HOLD`, gives back the held jobs if no job was handed out or finished since the
/// last look. A failed give-back leaves the job to its ack wait: it comes back after
/// `retry_after` with one attempt counted.
fn watch(held: std::sync::Weak<HeldInner>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = u64::MAX;
        loop {
            tokio::time::sleep(HOLD).await;
            let Some(held) = held.upgrade() else { return };
            let progress = held.progress.load(Ordering::Relaxed);
            if progress == seen {
                let jobs: Vec<Job> = held.lock().drain(..).collect();
                for job in jobs {
                    let _ = job.unreserve().await;
                }
            }
            seen = progress;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_pulls_double_up_to_the_cap_and_long_jobs_shrink_them() {
        let a = Adaptive::new(1);
        let mut sizes = Vec::new();
        for _ in 0..8 {
            let n = a.size();
            sizes.push(n);
            a.pulled(n, n);
        }
        assert_eq!(sizes, [1, 2, 4, 8, 16, 32, 64, 64]);
        a.pulled(64, 3);
        assert_eq!(a.size(), 64, "a short pull (queue drained) keeps the size");
        for _ in 0..8 {
            a.ran(Duration::from_millis(5));
        }
        assert_eq!(a.size(), 4, "four 5 ms jobs fill the 20 ms budget");
        a.ran(Duration::from_secs(1));
        assert_eq!(a.size(), 1, "a long job: one at a time");
    }

    #[test]
    fn concurrent_loops_start_at_their_count_and_share_the_budget() {
        let a = Adaptive::new(4);
        assert_eq!(a.size(), 4);
        for _ in 0..8 {
            a.ran(Duration::from_millis(10));
        }
        a.pulled(4, 4);
        assert_eq!(a.size(), 8, "four loops run eight 10 ms jobs in 20 ms");
        a.ran(Duration::from_secs(10));
        assert_eq!(a.size(), 4, "never below one job per loop");
        let many = Adaptive::new(100);
        assert_eq!(many.size(), 100, "above the cap, one job per loop");
    }
}
