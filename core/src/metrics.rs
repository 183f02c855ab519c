//! Metrics of one connection: messages, bytes, reconnects and drops; JetStream publish acks;
//! per queue and job name, what happened to jobs (counters) and how long they ran and waited
//! (histograms). Recording is a few relaxed atomic adds; queue gauges and the round trip are
//! read at scrape time. [`MetricsSnapshot`] is the serializable form hosts hand out, and
//! [`MetricsSnapshot::to_prometheus`] the Prometheus text. Names follow OpenTelemetry's
//! messaging conventions where they exist (README: "Metrics").

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use serde::Serialize;

use crate::client::Client;
use crate::queue::JobEvent;

/// Histogram bucket upper bounds, seconds (the `+Inf` bucket is the count).
pub const BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Longest a scrape waits for the round trip and for each queue's numbers.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(2);

/// A histogram of seconds kept in atomics: per-bucket counts, the count and the sum (ns).
#[derive(Debug, Default)]
struct AtomicHistogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl AtomicHistogram {
    fn observe(&self, value: Duration) {
        let secs = value.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|le| secs <= *le) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(value.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Histogram {
        let mut cumulative = 0;
        let buckets = BUCKETS
            .iter()
            .zip(&self.buckets)
            .map(|(le, n)| {
                cumulative += n.load(Ordering::Relaxed);
                Bucket {
                    le: *le,
                    count: cumulative,
                }
            })
            .collect();
        Histogram {
            // Read after the buckets: an observation under way may be in a bucket only.
            count: self.count.load(Ordering::Relaxed).max(cumulative),
            sum_seconds: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            buckets,
        }
    }
}

/// The counters and histograms of one job name on one queue.
#[derive(Debug, Default)]
struct JobCounters {
    pushed: AtomicU64,
    processed: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    released: AtomicU64,
    deleted: AtomicU64,
    duration: AtomicHistogram,
    wait: AtomicHistogram,
}

/// What one connection records; every [`Client`] has one (`Client::recorder`).
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    /// queue → job name → counters; written once per new pair, read on every record.
    jobs: RwLock<HashMap<String, HashMap<String, JobCounters>>>,
    /// Queues opened on this connection: their gauges are read at scrape time.
    queues: RwLock<BTreeSet<String>>,
    publish_acks: AtomicU64,
    publish_errors: AtomicU64,
    /// Set by [`Client::record_metrics`]`(false)`: nothing is recorded.
    off: AtomicBool,
}

impl Recorder {
    fn with_job(&self, queue: &str, job: &str, record: impl FnOnce(&JobCounters)) {
        if self.off.load(Ordering::Relaxed) {
            return;
        }
        if let Some(c) = self
            .jobs
            .read()
            .unwrap()
            .get(queue)
            .and_then(|q| q.get(job))
        {
            return record(c);
        }
        let mut jobs = self.jobs.write().unwrap();
        let c = jobs
            .entry(queue.to_string())
            .or_default()
            .entry(job.to_string())
            .or_default();
        record(c)
    }

    /// A queue handle was made: its gauges join the scrape.
    pub(crate) fn queue_opened(&self, queue: &str) {
        if !self.queues.read().unwrap().contains(queue) {
            self.queues.write().unwrap().insert(queue.to_string());
        }
    }

    /// `count` jobs named `job` were stored on `queue`.
    pub(crate) fn pushed(&self, queue: &str, job: &str, count: u64) {
        self.with_job(queue, job, |c| {
            c.pushed.fetch_add(count, Ordering::Relaxed);
        });
    }

    /// A job was handed out after waiting `wait` in the stream.
    pub(crate) fn started(&self, queue: &str, job: &str, wait: Duration) {
        self.with_job(queue, job, |c| c.wait.observe(wait));
    }

    /// A job finished as `event`; `ran` is its run time when it ran.
    pub(crate) fn finished(&self, queue: &str, job: &str, event: &JobEvent, ran: Option<Duration>) {
        self.with_job(queue, job, |c| {
            let counter = match event {
                JobEvent::Processed { .. } => &c.processed,
                JobEvent::Deleted { .. } => &c.deleted,
                JobEvent::Released { .. } => &c.released,
                JobEvent::Retrying { .. } => &c.retried,
                JobEvent::Failed { .. } => &c.failed,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            if let Some(ran) = ran {
                c.duration.observe(ran);
            }
        });
    }

    /// A JetStream publish was acknowledged (`true`) or failed.
    pub(crate) fn publish_acked(&self, ok: bool) {
        if self.off.load(Ordering::Relaxed) {
            return;
        }
        let counter = if ok {
            &self.publish_acks
        } else {
            &self.publish_errors
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn jobs(&self) -> Vec<JobMetrics> {
        let jobs = self.jobs.read().unwrap();
        let mut out: Vec<JobMetrics> = jobs
            .iter()
            .flat_map(|(queue, names)| {
                names.iter().map(move |(job, c)| JobMetrics {
                    queue: queue.clone(),
                    job: job.clone(),
                    pushed: c.pushed.load(Ordering::Relaxed),
                    processed: c.processed.load(Ordering::Relaxed),
                    failed: c.failed.load(Ordering::Relaxed),
                    retried: c.retried.load(Ordering::Relaxed),
                    released: c.released.load(Ordering::Relaxed),
                    deleted: c.deleted.load(Ordering::Relaxed),
                    duration: c.duration.snapshot(),
                    wait: c.wait.snapshot(),
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.queue, &a.job).cmp(&(&b.queue, &b.job)));
        out
    }
}

/// A histogram's numbers, seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// Observations.
    pub count: u64,
    /// Their sum, seconds.
    pub sum_seconds: f64,
    /// Cumulative counts at or below each bound of [`BUCKETS`].
    pub buckets: Vec<Bucket>,
}

/// One cumulative histogram bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Upper bound, seconds.
    pub le: f64,
    /// Observations at or below it.
    pub count: u64,
}

/// The connection's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionMetrics {
    /// `connected`, `disconnected`, `pending` (never connected yet) or `closed`.
    pub state: &'static str,
    /// Messages sent.
    pub sent_messages: u64,
    /// Messages received.
    pub received_messages: u64,
    /// Bytes sent.
    pub sent_bytes: u64,
    /// Bytes received.
    pub received_bytes: u64,
    /// Successful reconnects.
    pub reconnects: u64,
    /// Messages dropped by slow subscriptions.
    pub dropped_messages: u64,
    /// Publishes held for the reconnect while disconnected.
    pub pending_messages: u64,
    /// The round trip measured by this scrape, seconds (absent when not connected).
    pub rtt_seconds: Option<f64>,
}

/// JetStream publishes of this connection (queue pushes included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JetStreamMetrics {
    /// Publishes the stream acknowledged.
    pub publish_acks: u64,
    /// Publishes that failed (refused, timed out, connection lost).
    pub publish_errors: u64,
}

/// What happened to the jobs of one name on one queue, as seen by this connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobMetrics {
    /// The queue.
    pub queue: String,
    /// The job name.
    pub job: String,
    /// Jobs pushed.
    pub pushed: u64,
    /// Runs that completed.
    pub processed: u64,
    /// Jobs failed for good.
    pub failed: u64,
    /// Runs that raised and will be retried.
    pub retried: u64,
    /// Runs the handler released.
    pub released: u64,
    /// Runs the handler deleted.
    pub deleted: u64,
    /// Run time of each run.
    pub duration: Histogram,
    /// Time each job waited ready in the stream before a worker took it.
    pub wait: Histogram,
}

/// A queue's numbers, read at scrape time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueGauges {
    /// The queue.
    pub queue: String,
    /// Jobs waiting to be taken.
    pub ready: u64,
    /// Jobs taken and not finished.
    pub reserved: u64,
    /// Jobs scheduled for later.
    pub delayed: u64,
    /// Jobs in the failed-jobs store.
    pub failed: u64,
    /// Age of the oldest waiting job, seconds.
    pub oldest_age_seconds: f64,
}

/// Every metric of one connection at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// The connection.
    pub connection: ConnectionMetrics,
    /// JetStream publishes.
    pub jetstream: JetStreamMetrics,
    /// Per queue and job name.
    pub jobs: Vec<JobMetrics>,
    /// Per queue opened on this connection (those whose numbers could be read).
    pub queues: Vec<QueueGauges>,
}

impl Client {
    /// Turns the recording of job and JetStream publish metrics on (the default) or off;
    /// connection counters and gauges are always read.
    pub fn record_metrics(&self, on: bool) {
        self.recorder().off.store(!on, Ordering::Relaxed);
    }

    /// Every metric of this connection, queue gauges (all queues at once) and the round trip
    /// read now.
    pub async fn metrics_snapshot(&self) -> crate::Result<MetricsSnapshot> {
        let recorder = self.recorder();
        let stats = self.stats();
        let state = self.state_name();
        let connected = state == "connected";
        let rtt = if connected {
            let started = Instant::now();
            match tokio::time::timeout(SCRAPE_TIMEOUT, self.flush()).await {
                Ok(Ok(())) => Some(started.elapsed().as_secs_f64()),
                _ => None,
            }
        } else {
            None
        };
        let names: Vec<String> = match connected {
            true => recorder.queues.read().unwrap().iter().cloned().collect(),
            false => Vec::new(),
        };
        let sizes = names.into_iter().map(|name| async move {
            let queue = self.queue(&name).ok()?;
            let size = tokio::time::timeout(SCRAPE_TIMEOUT, queue.size()).await;
            let size = size.ok()?.ok()?;
            Some(QueueGauges {
                queue: name,
                ready: size.ready,
                reserved: size.reserved,
                delayed: size.delayed,
                failed: size.failed,
                oldest_age_seconds: size.oldest_age,
            })
        });
        let queues = futures::future::join_all(sizes)
            .await
            .into_iter()
            .flatten()
            .collect();
        Ok(MetricsSnapshot {
            connection: ConnectionMetrics {
                state,
                sent_messages: stats.out_msgs,
                received_messages: stats.in_msgs,
                sent_bytes: stats.out_bytes,
                received_bytes: stats.in_bytes,
                reconnects: stats.reconnects,
                dropped_messages: stats.dropped,
                pending_messages: self.hub().offline.held_messages() as u64,
                rtt_seconds: rtt,
            },
            jetstream: JetStreamMetrics {
                publish_acks: recorder.publish_acks.load(Ordering::Relaxed),
                publish_errors: recorder.publish_errors.load(Ordering::Relaxed),
            },
            jobs: recorder.jobs(),
            queues,
        })
    }

    /// Every metric of this connection as Prometheus text (version 0.0.4).
    pub async fn metrics(&self) -> crate::Result<String> {
        Ok(self.metrics_snapshot().await?.to_prometheus())
    }
}

/// The `Content-Type` of [`MetricsSnapshot::to_prometheus`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The connection states a scrape reports, one gauge each (1 for the current one).
const STATES: [&str; 4] = ["connected", "disconnected", "pending", "closed"];

type Labels = Vec<(&'static str, String)>;

fn system() -> Labels {
    vec![("messaging_system", "nats".to_string())]
}

fn job_labels(m: &JobMetrics) -> Labels {
    let mut labels = system();
    labels.push(("messaging_destination_name", m.queue.clone()));
    labels.push(("job_name", m.job.clone()));
    labels
}

fn queue_labels(g: &QueueGauges) -> Labels {
    let mut labels = system();
    labels.push(("messaging_destination_name", g.queue.clone()));
    labels
}

impl MetricsSnapshot {
    /// The Prometheus text (version 0.0.4) of these numbers.
    pub fn to_prometheus(&self) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self.clone()));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
            .expect("writing to a String cannot fail");
        text
    }

    /// The snapshot as JSON, for hosts that build their own objects from it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a snapshot is plain data")
    }
}

/// Writes one metric family: `name`, `help`, type, and its samples.
fn family<T>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    kind: MetricType,
    samples: impl IntoIterator<Item = (Labels, T)>,
    mut write: impl FnMut(&mut prometheus_client::encoding::MetricEncoder, T) -> std::fmt::Result,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    for (labels, value) in samples {
        let mut sample = metric.encode_family(&labels)?;
        write(&mut sample, value)?;
    }
    Ok(())
}

fn counter(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, u64)>,
) -> std::fmt::Result {
    family(e, name, help, MetricType::Counter, samples, |s, v| {
        s.encode_counter::<prometheus_client::encoding::NoLabelSet, _, u64>(&v, None)
    })
}

fn gauge<T: prometheus_client::encoding::EncodeGaugeValue>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, T)>,
) -> std::fmt::Result {
    family(e, name, help, MetricType::Gauge, samples, |s, v| {
        s.encode_gauge(&v)
    })
}

fn histogram<'a>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, &'a Histogram)>,
) -> std::fmt::Result {
    family(e, name, help, MetricType::Histogram, samples, |s, h| {
        // The encoder takes each bucket's own count and sums them up itself.
        let mut below = 0;
        let mut buckets: Vec<(f64, u64)> = h
            .buckets
            .iter()
            .map(|b| (b.le, b.count - std::mem::replace(&mut below, b.count)))
            .collect();
        buckets.push((f64::INFINITY, h.count - below));
        s.encode_histogram::<prometheus_client::encoding::NoLabelSet>(
            h.sum_seconds,
            h.count,
            &buckets,
            None,
        )
    })
}

impl prometheus_client::collector::Collector for MetricsSnapshot {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        let c = &self.connection;
        let one = |v: u64| [(system(), v)];
        counter(
            &mut e,
            "messaging_client_sent_messages",
            "Messages sent.",
            one(c.sent_messages),
        )?;
        counter(
            &mut e,
            "messaging_client_consumed_messages",
            "Messages received.",
            one(c.received_messages),
        )?;
        counter(
            &mut e,
            "nats_client_sent_bytes",
            "Bytes sent.",
            one(c.sent_bytes),
        )?;
        counter(
            &mut e,
            "nats_client_received_bytes",
            "Bytes received.",
            one(c.received_bytes),
        )?;
        counter(
            &mut e,
            "nats_client_reconnects",
            "Successful reconnects.",
            one(c.reconnects),
        )?;
        counter(
            &mut e,
            "nats_client_dropped_messages",
            "Messages dropped by slow subscriptions.",
            one(c.dropped_messages),
        )?;
        gauge(
            &mut e,
            "nats_client_pending_messages",
            "Publishes held for the reconnect while disconnected.",
            one(c.pending_messages),
        )?;
        gauge(
            &mut e,
            "nats_client_rtt_seconds",
            "Round trip to the server, measured by this scrape.",
            c.rtt_seconds.map(|rtt| (system(), rtt)),
        )?;
        let states = STATES.iter().map(|s| {
            let mut labels = system();
            labels.push(("state", s.to_string()));
            (labels, u64::from(*s == c.state))
        });
        gauge(
            &mut e,
            "nats_client_connection_state",
            "1 for the connection's state.",
            states,
        )?;
        let js = &self.jetstream;
        counter(
            &mut e,
            "nats_jetstream_publish_acks",
            "JetStream publishes acknowledged.",
            one(js.publish_acks),
        )?;
        counter(
            &mut e,
            "nats_jetstream_publish_errors",
            "JetStream publishes that failed.",
            one(js.publish_errors),
        )?;
        let per_job = |field: fn(&JobMetrics) -> u64| {
            self.jobs.iter().map(move |m| (job_labels(m), field(m)))
        };
        counter(
            &mut e,
            "natskit_queue_jobs_pushed",
            "Jobs pushed.",
            per_job(|m| m.pushed),
        )?;
        counter(
            &mut e,
            "natskit_queue_jobs_processed",
            "Runs that completed.",
            per_job(|m| m.processed),
        )?;
        counter(
            &mut e,
            "natskit_queue_jobs_failed",
            "Jobs failed for good.",
            per_job(|m| m.failed),
        )?;
        counter(
            &mut e,
            "natskit_queue_jobs_retried",
            "Runs that raised and will be retried.",
            per_job(|m| m.retried),
        )?;
        counter(
            &mut e,
            "natskit_queue_jobs_released",
            "Runs the handler released.",
            per_job(|m| m.released),
        )?;
        counter(
            &mut e,
            "natskit_queue_jobs_deleted",
            "Runs the handler deleted.",
            per_job(|m| m.deleted),
        )?;
        histogram(
            &mut e,
            "messaging_process_duration_seconds",
            "Run time of each job run.",
            self.jobs.iter().map(|m| (job_labels(m), &m.duration)),
        )?;
        histogram(
            &mut e,
            "natskit_queue_job_wait_seconds",
            "Time a job waited ready before a worker took it.",
            self.jobs.iter().map(|m| (job_labels(m), &m.wait)),
        )?;
        let per_queue = |field: fn(&QueueGauges) -> u64| {
            self.queues.iter().map(move |g| (queue_labels(g), field(g)))
        };
        gauge(
            &mut e,
            "natskit_queue_ready_jobs",
            "Jobs waiting to be taken.",
            per_queue(|g| g.ready),
        )?;
        gauge(
            &mut e,
            "natskit_queue_reserved_jobs",
            "Jobs taken and not finished.",
            per_queue(|g| g.reserved),
        )?;
        gauge(
            &mut e,
            "natskit_queue_delayed_jobs",
            "Jobs scheduled for later.",
            per_queue(|g| g.delayed),
        )?;
        gauge(
            &mut e,
            "natskit_queue_failed_jobs",
            "Jobs in the failed-jobs store.",
            per_queue(|g| g.failed),
        )?;
        gauge(
            &mut e,
            "natskit_queue_oldest_job_age_seconds",
            "Age of the oldest waiting job.",
            self.queues
                .iter()
                .map(|g| (queue_labels(g), g.oldest_age_seconds)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_sum_in_seconds() {
        let h = AtomicHistogram::default();
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_millis(30));
        h.observe(Duration::from_secs(100));
        let s = h.snapshot();
        assert_eq!(s.count, 3);
        assert!((s.sum_seconds - 100.033).abs() < 1e-9);
        let at = |le: f64| s.buckets.iter().find(|b| b.le == le).unwrap().count;
        assert_eq!(
            (at(0.001), at(0.005), at(0.025), at(0.05), at(60.0)),
            (0, 1, 1, 2, 2)
        );
    }
}
