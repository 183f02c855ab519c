//! Jobs taken a batch at a time and handed out one by one, for hosts whose own worker asks
//! for one job per call (Laravel's `queue:work` pops once per job, and a pull costs a round
//! trip). Buffered jobs are reserved and heartbeated like any taken job.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::adaptive::{Adaptive, Held};
use super::{Job, Queue, MAX_BATCH};
use crate::error::Result;

/// A queue read through a buffer of reserved jobs: `size` a pull, or adaptive (size 0).
#[derive(Debug)]
pub struct Prefetch {
    queue: Queue,
    /// Jobs a pull takes; 0 adapts (see the `adaptive` rule).
    size: usize,
    adaptive: Adaptive,
    buffered: Held,
    /// When the last job was handed out: the next pop measures how long the host ran it.
    handed: Mutex<Option<Instant>>,
}

impl Prefetch {
    /// Reads `queue` taking `size` jobs a pull (1 = no prefetch, at most 256), or, with 0, an
    /// adaptive number: from 1 up to 64 while jobs are short and the queue has work; jobs
    /// held while the host runs none for 0.1 s go back to the queue.
    pub fn new(queue: Queue, size: usize) -> Prefetch {
        Prefetch {
            queue,
            size: size.min(MAX_BATCH),
            adaptive: Adaptive::new(1),
            buffered: Held::new(size == 0),
            handed: Mutex::new(None),
        }
    }

    /// The queue read.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Jobs taken and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.buffered.len()
    }

    /// The next job: a buffered one, else what one pull brings (up to the size, waiting up
    /// to `timeout` for the first). Messages that are not jobs come back marked
    /// [`Job::invalid`], so the host's worker can fail them where its users look.
    pub async fn pop(&self, timeout: Duration) -> Result<Option<Job>> {
        let ran = self.lock_handed().take().map(|at| at.elapsed());
        if let Some(ran) = ran {
            self.adaptive.ran(ran);
        }
        let mut job = match self.buffered.pop() {
            Some(job) => Some(job),
            None => self.pull(timeout).await?,
        };
        if let Some(job) = job.as_mut() {
            job.begin();
            self.buffered.progress();
            *self.lock_handed() = Some(Instant::now());
        }
        Ok(job)
    }

    /// One pull; the jobs after the first are held.
    async fn pull(&self, timeout: Duration) -> Result<Option<Job>> {
        let size = match self.size {
            0 => self.adaptive.size(),
            n => n,
        };
        let messages = self.queue.fetch(size, timeout, None).await?;
        self.adaptive.pulled(size, messages.len());
        let mut jobs = messages
            .into_iter()
            .map(|m| Job::from_message_or_invalid(self.queue.clone(), m))
            .collect::<Result<Vec<Job>>>()?
            .into_iter();
        let first = jobs.next();
        self.buffered.hold(jobs);
        Ok(first)
    }

    /// Puts every buffered job back on the queue untouched (the attempt is not counted);
    /// returns how many. Call it before the process exits.
    pub async fn unreserve(&self) -> Result<usize> {
        let jobs = self.buffered.drain();
        let n = jobs.len();
        for job in jobs {
            job.unreserve().await?;
        }
        Ok(n)
    }

    fn lock_handed(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.handed.lock().unwrap_or_else(|e| e.into_inner())
    }
}
