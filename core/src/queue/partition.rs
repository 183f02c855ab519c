//! Partitioned queues (`queue.queues.<name>.partitions = N`): a queue's jobs spread over N
//! partitions, each its own subject (`<root>.q.<queue>~<p>`) and, in the per-queue layout,
//! its own stream (`<stream>_<queue>~<p>`), so one queue can use N stream leaders.
//!
//! A job's partition is a stable hash of its partition key, else its unique key, else its
//! id: jobs sharing a key stay in order on one partition, and a retried or released job
//! returns to the partition it came from. Pulls start at the next partition each time, so
//! none starves.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream;

use super::{Envelope, Queue, QueueActivity, QueueSize};
use crate::error::Result;

/// How long a pull over partitions waits between rounds when none had a job ready.
const ROUND_PAUSE: Duration = Duration::from_millis(50);

/// The partition (of `partitions`) that `key` belongs to: FNV-1a, the same in every host.
pub fn partition_of(key: &str, partitions: u32) -> u32 {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % u64::from(partitions.max(1))) as u32
}

impl Queue {
    /// The name this handle's subjects, stream and consumer are made from: the queue's
    /// name, or `<queue>~<p>` for partition `p`.
    pub(crate) fn key(&self) -> String {
        match self.inner.part {
            Some(p) => format!("{}~{p}", self.inner.name),
            None => self.inner.name.clone(),
        }
    }

    /// How many partitions the queue has (1 when it is not partitioned).
    pub fn partitions(&self) -> u32 {
        self.inner.parts.len().max(1) as u32
    }

    /// The partition handle that stores `env`; `None` when the queue is not partitioned.
    pub(crate) fn route(&self, env: &Envelope) -> Option<&Queue> {
        let parts = &self.inner.parts;
        if parts.is_empty() {
            return None;
        }
        let key = env
            .partition_key
            .as_deref()
            .or(env.unique_key.as_deref())
            .unwrap_or(&env.uuid);
        parts.get(partition_of(key, parts.len() as u32) as usize)
    }

    /// The handles that hold this queue's jobs: its partitions, or itself.
    pub(crate) fn stores(&self) -> Vec<Queue> {
        match self.inner.parts.is_empty() {
            true => vec![self.clone()],
            false => self.inner.parts.clone(),
        }
    }

    /// [`Queue::push_envelopes`] over partitions: each partition stores its share, ids
    /// come back in the order given.
    pub(crate) async fn push_to_parts(
        &self,
        envelopes: Vec<(Envelope, Duration)>,
    ) -> Result<Vec<Option<String>>> {
        let n = self.inner.parts.len();
        let mut shares: Vec<Vec<(usize, Envelope, Duration)>> = vec![Vec::new(); n];
        for (i, (env, delay)) in envelopes.into_iter().enumerate() {
            let key = env.partition_key.as_deref().or(env.unique_key.as_deref());
            let p = partition_of(key.unwrap_or(&env.uuid), n as u32) as usize;
            shares[p].push((i, env, delay));
        }
        let total = shares.iter().map(Vec::len).sum();
        let mut ids = vec![None; total];
        for (part, share) in self.inner.parts.iter().zip(shares) {
            let (order, batch): (Vec<usize>, Vec<(Envelope, Duration)>) =
                share.into_iter().map(|(i, e, d)| (i, (e, d))).unzip();
            for (i, id) in order
                .into_iter()
                .zip(Box::pin(part.store_envelopes(batch)).await?)
            {
                ids[i] = id;
            }
        }
        Ok(ids)
    }

    /// Sums the partitions' numbers (failed jobs are counted once: the store is per queue).
    pub(crate) async fn size_of_parts(&self) -> Result<QueueSize> {
        let mut total = QueueSize::default();
        for part in &self.inner.parts {
            let s = Box::pin(part.size()).await?;
            total.ready += s.ready;
            total.reserved += s.reserved;
            total.delayed += s.delayed;
            total.failed = s.failed;
            total.oldest_age = total.oldest_age.max(s.oldest_age);
        }
        Ok(total)
    }

    /// The partitions' activity summed: sizes, finished deliveries, the job waiting longest.
    pub(crate) async fn activity_of_parts(&self, failed: u64) -> Result<QueueActivity> {
        let mut total = QueueActivity {
            size: QueueSize {
                failed,
                ..QueueSize::default()
            },
            finished: 0,
            oldest: None,
        };
        for part in &self.inner.parts {
            let a = Box::pin(part.activity(failed)).await?;
            total.size.ready += a.size.ready;
            total.size.reserved += a.size.reserved;
            total.size.delayed += a.size.delayed;
            total.size.oldest_age = total.size.oldest_age.max(a.size.oldest_age);
            total.finished += a.finished;
            if a.oldest.as_ref().map(|o| o.age) > total.oldest.as_ref().map(|o| o.age) {
                total.oldest = a.oldest;
            }
        }
        Ok(total)
    }

    /// Clears every partition.
    pub(crate) async fn clear_parts(&self) -> Result<(u64, Vec<Envelope>)> {
        let (mut purged, mut jobs) = (0, Vec::new());
        for part in &self.inner.parts {
            let (n, envelopes) = Box::pin(part.clear_and_read()).await?;
            purged += n;
            jobs.extend(envelopes);
        }
        Ok((purged, jobs))
    }

    /// Takes what one partition has ready, trying each in turn from the one after the last
    /// call's start; when none has, looks again every `ROUND_PAUSE` until `timeout`.
    pub(crate) async fn fetch_parts(
        &self,
        max: usize,
        timeout: Duration,
        stop: Option<&AtomicBool>,
    ) -> Result<Vec<jetstream::Message>> {
        let parts = &self.inner.parts;
        let deadline = Instant::now() + timeout;
        loop {
            let start = self.inner.turn.fetch_add(1, Ordering::Relaxed);
            for i in 0..parts.len() {
                let part = &parts[(start + i) % parts.len()];
                let jobs = Box::pin(part.fetch(max, Duration::ZERO, stop)).await?;
                if !jobs.is_empty() {
                    return Ok(jobs);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                return Ok(Vec::new());
            }
            tokio::time::sleep(left.min(ROUND_PAUSE)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn a_key_always_lands_on_the_same_partition_and_keys_spread() {
        assert_eq!(partition_of("order-7", 3), partition_of("order-7", 3));
        let mut counts = [0; 3];
        for i in 0..3000 {
            counts[partition_of(&format!("job-{i}"), 3) as usize] += 1;
        }
        assert!(counts.iter().all(|c| *c > 800), "{counts:?}");
        assert_eq!(partition_of("anything", 1), 0);
    }
}
