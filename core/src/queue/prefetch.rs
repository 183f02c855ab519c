//! Jobs taken a batch at a time and handed out one by one, for hosts whose own worker asks
//! for one job per call (Laravel's `queue:work` pops once per job, and a pull costs a round
//! trip). Buffered jobs are reserved and heartbeated like any taken job.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use super::{Job, Queue, MAX_BATCH};
use crate::error::Result;

/// A queue read through a buffer of up to `size` reserved jobs.
#[derive(Debug)]
pub struct Prefetch {
    queue: Queue,
    size: usize,
    buffered: Mutex<VecDeque<Job>>,
}

impl Prefetch {
    /// Reads `queue` taking up to `size` jobs a pull (1 = no prefetch).
    pub fn new(queue: Queue, size: usize) -> Prefetch {
        Prefetch {
            queue,
            size: size.clamp(1, MAX_BATCH),
            buffered: Mutex::new(VecDeque::new()),
        }
    }

    /// The queue read.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Jobs taken and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.lock().len()
    }

    /// The next job: a buffered one, else what one pull brings (up to `size`, waiting up to
    /// `timeout` for the first). Messages that are not jobs come back marked
    /// [`Job::invalid`], so the host's worker can fail them where its users look.
    pub async fn pop(&self, timeout: Duration) -> Result<Option<Job>> {
        if let Some(job) = self.lock().pop_front() {
            return Ok(Some(job));
        }
        let messages = self.queue.fetch(self.size, timeout).await?;
        let mut jobs = messages
            .into_iter()
            .map(|m| Job::from_message_or_invalid(self.queue.clone(), m))
            .collect::<Result<VecDeque<Job>>>()?;
        let first = jobs.pop_front();
        self.lock().extend(jobs);
        Ok(first)
    }

    /// Puts every buffered job back on the queue untouched (the attempt is not counted);
    /// returns how many. Call it before the process exits.
    pub async fn unreserve(&self) -> Result<usize> {
        let jobs: Vec<Job> = self.lock().drain(..).collect();
        let n = jobs.len();
        for job in jobs {
            job.unreserve().await?;
        }
        Ok(n)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Job>> {
        self.buffered.lock().unwrap_or_else(|e| e.into_inner())
    }
}
