//! One picture of a connection for dashboards (`natskit dashboard`): the connection and its
//! server, JetStream streams and consumers with their counters, every job queue with its
//! numbers and the job waiting longest, and the newest failed jobs.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::client::{Client, Stats};
use crate::error::{ErrorCode, Result};
use crate::queue::{queue_names, FailedJob, FailedJobs, Queue, QueueActivity};

/// How many failed jobs an overview carries by default (the newest).
pub const RECENT_FAILED: usize = 50;

/// Everything a dashboard shows of one connection at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// When it was taken, Unix seconds.
    pub taken_at: f64,
    /// The connection and its server.
    pub connection: ConnectionView,
    /// The account's JetStream usage and limits in the server's JSON (`memory`, `storage`,
    /// `streams`, `consumers`, `limits`); `None` when JetStream is not available.
    pub jetstream: Option<Value>,
    /// Every stream with its consumers, by name.
    pub streams: Vec<StreamView>,
    /// Every job queue, by name.
    pub queues: Vec<QueueView>,
    /// How many failed jobs the store holds.
    pub failed_total: u64,
    /// The newest failed jobs, newest first.
    pub failed: Vec<FailedJob>,
}

/// The connection as the client sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionView {
    /// The server URL it is on, credentials hidden.
    pub url: String,
    /// `connected`, `disconnected` or `pending`.
    pub state: String,
    /// Seconds one round trip (a flush) took.
    pub rtt: f64,
    /// Counters since the connection was made.
    pub stats: Stats,
    /// What the server announced.
    pub server: ServerView,
}

/// The server's announced identity and settings.
#[derive(Debug, Clone, Serialize)]
pub struct ServerView {
    /// Server id.
    pub id: String,
    /// Server name.
    pub name: String,
    /// nats-server version.
    pub version: String,
    /// Host it listens on.
    pub host: String,
    /// Port it listens on.
    pub port: u16,
    /// Its cluster, if any.
    pub cluster: Option<String>,
    /// Its JetStream domain, if any.
    pub domain: Option<String>,
    /// Whether JetStream is enabled.
    pub jetstream: bool,
    /// Largest payload it accepts, bytes.
    pub max_payload: usize,
    /// This connection's id on the server.
    pub client_id: u64,
}

/// A stream's counters and its consumers.
#[derive(Debug, Clone, Serialize)]
pub struct StreamView {
    /// Stream name.
    pub name: String,
    /// Subjects it captures.
    pub subjects: Vec<String>,
    /// Messages stored.
    pub messages: u64,
    /// Bytes stored.
    pub bytes: u64,
    /// First stored sequence.
    pub first_seq: u64,
    /// Last stored sequence.
    pub last_seq: u64,
    /// Its consumers, by name.
    pub consumers: Vec<ConsumerView>,
}

/// A consumer's counters.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerView {
    /// Consumer name.
    pub name: String,
    /// Messages not yet delivered.
    pub pending: u64,
    /// Messages delivered and not yet acknowledged.
    pub ack_pending: u64,
    /// Messages delivered more than once.
    pub redelivered: u64,
    /// Pull requests waiting.
    pub waiting: u64,
}

/// One job queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    /// Queue name.
    pub name: String,
    /// Its numbers, finished deliveries and the job waiting longest.
    #[serde(flatten)]
    pub activity: QueueActivity,
    /// Its failed jobs that failed after [`OverviewOptions::failed_since`].
    pub failed_since: u64,
}

/// What an overview carries.
#[derive(Debug, Clone)]
pub struct OverviewOptions {
    /// The connection's name, as its queues record it in failed jobs.
    pub connection: String,
    /// How many of the newest failed jobs to carry.
    pub recent_failed: usize,
    /// Unix seconds: each queue counts its failed jobs that failed after it.
    pub failed_since: f64,
}

impl Default for OverviewOptions {
    fn default() -> Self {
        OverviewOptions {
            connection: "default".into(),
            recent_failed: RECENT_FAILED,
            failed_since: 0.0,
        }
    }
}

/// Takes an overview of `client`'s connection. A server without JetStream gives the
/// connection alone.
pub async fn overview(client: &Client, options: &OverviewOptions) -> Result<Overview> {
    let started = Instant::now();
    client.flush().await?;
    let rtt = started.elapsed();
    let js = client.jetstream();
    let jetstream = match js.account_info().await {
        Ok(info) => Some(info),
        Err(e)
            if matches!(
                e.code(),
                ErrorCode::JetStreamNotEnabled | ErrorCode::NoResponders
            ) =>
        {
            None
        }
        Err(e) => return Err(e),
    };
    let mut view = Overview {
        taken_at: crate::queue::now(),
        connection: connection_view(client, rtt),
        jetstream,
        streams: Vec::new(),
        queues: Vec::new(),
        failed_total: 0,
        failed: Vec::new(),
    };
    if view.jetstream.is_none() {
        return Ok(view);
    }
    view.streams = streams(client).await?;
    let mut failed = FailedJobs::of(client).list(None).await?;
    for name in queue_names(client).await? {
        let of_queue = || failed.iter().filter(|job| job.queue == name);
        let failed_since = of_queue()
            .filter(|job| job.failed_at > options.failed_since)
            .count() as u64;
        let activity = Queue::new(client, &name, &options.connection)?
            .activity(of_queue().count() as u64)
            .await?;
        view.queues.push(QueueView {
            name,
            activity,
            failed_since,
        });
    }
    view.failed_total = failed.len() as u64;
    failed.reverse();
    failed.truncate(options.recent_failed);
    view.failed = failed;
    Ok(view)
}

fn connection_view(client: &Client, rtt: Duration) -> ConnectionView {
    let info = client.nats().server_info();
    ConnectionView {
        url: client.connected_url(),
        state: client.nats().connection_state().to_string(),
        rtt: rtt.as_secs_f64(),
        stats: client.stats(),
        server: ServerView {
            id: info.server_id,
            name: info.server_name,
            version: info.version,
            host: info.host,
            port: info.port,
            cluster: info.cluster,
            domain: info.domain,
            jetstream: info.jetstream,
            max_payload: info.max_payload,
            client_id: info.client_id,
        },
    }
}

/// Every stream (all pages) with every consumer (all pages), by name.
async fn streams(client: &Client) -> Result<Vec<StreamView>> {
    let js = client.jetstream();
    let mut infos = Vec::new();
    loop {
        let page = js.list_streams(infos.len() as u64, None).await?;
        let got = page.items.len();
        infos.extend(page.items);
        if got == 0 || infos.len() as u64 >= page.total {
            break;
        }
    }
    let mut streams = Vec::with_capacity(infos.len());
    for info in infos {
        let name = info["config"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut consumers = Vec::new();
        let mut offset = 0;
        loop {
            let page = js.list_consumers(&name, offset).await?;
            offset += page.items.len() as u64;
            consumers.extend(page.items.iter().map(consumer_view));
            if page.items.is_empty() || offset >= page.total {
                break;
            }
        }
        consumers.sort_by(|a, b| a.name.cmp(&b.name));
        let state = &info["state"];
        streams.push(StreamView {
            subjects: info["config"]["subjects"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            messages: count(state, "messages"),
            bytes: count(state, "bytes"),
            first_seq: count(state, "first_seq"),
            last_seq: count(state, "last_seq"),
            name,
            consumers,
        });
    }
    streams.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(streams)
}

fn consumer_view(info: &Value) -> ConsumerView {
    ConsumerView {
        name: info["name"].as_str().unwrap_or_default().to_string(),
        pending: count(info, "num_pending"),
        ack_pending: count(info, "num_ack_pending"),
        redelivered: count(info, "num_redelivered"),
        waiting: count(info, "num_waiting"),
    }
}

fn count(object: &Value, key: &str) -> u64 {
    object[key].as_u64().unwrap_or(0)
}
