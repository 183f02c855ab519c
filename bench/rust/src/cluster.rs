//! `make bench-cluster`: job queue throughput on a 3-node loopback cluster, one table.
//!
//! Three layouts carry the same jobs: three queues in the shared stream (one stream leader),
//! three queues in per-queue streams (leaders moved to three servers, or placed there by
//! tag with one replica) and one queue with
//! three partitions in per-queue streams (likewise; with one replica where the server
//! places them), each with 1 and 3 replicas. Pushes are
//! timed until the streams stored every job (256 in flight per queue); work is timed until a
//! worker (concurrency 16) finished every job; the servers' CPU time (user + system, all
//! three nodes, from /proc) over both, per job, is the cost the scaling model divides a
//! server's cores by. On one machine the nodes share its cores:
//! these figures feed the README's scaling model, they do not show a speed-up.
//! `NATSKIT_BENCH_JOBS` sets the jobs per row (default 30000).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use natskit::queue::{NewJob, Outcome, PushOptions, Queue, Worker, WorkerOptions};
use natskit::{Client, ConnectionConfig, LocalCluster};
use serde_json::json;

/// One row's layout.
#[derive(Clone, Copy)]
enum Layout {
    Shared,
    PerQueue,
    Partitioned,
}

impl Layout {
    fn label(self) -> &'static str {
        match self {
            Layout::Shared => "3 queues, shared stream",
            Layout::PerQueue => "3 queues, per-queue streams",
            Layout::Partitioned => "1 queue, 3 partitions",
        }
    }

    fn queues(self) -> Vec<String> {
        match self {
            Layout::Partitioned => vec!["wide".into()],
            _ => (0..3).map(|i| format!("q{i}")).collect(),
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let jobs: u64 = std::env::var("NATSKIT_BENCH_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(30_000);
    let cluster = LocalCluster::start()
        .await
        .expect("start the 3-node cluster");
    println!("# Job queue on a 3-node loopback cluster: {jobs} jobs per row\n");
    println!(
        "| layout | replicas | stream leaders | push jobs/s | work jobs/s | server CPU µs/job |"
    );
    println!("|---|---|---|---|---|---|");
    let mut row = 0;
    for replicas in [1, 3] {
        for layout in [Layout::Shared, Layout::PerQueue, Layout::Partitioned] {
            row += 1;
            let nc = connect(&cluster, layout, replicas, row).await;
            let queues: Vec<Queue> = layout
                .queues()
                .iter()
                .map(|q| nc.queue(q).unwrap())
                .collect();
            let leaders = spread_leaders(&nc, &queues).await;
            let cpu_before = servers_cpu(&cluster);
            let pushed = push_all(&queues, jobs).await;
            let worked = work_all(&nc, layout, jobs).await;
            let cpu = servers_cpu(&cluster) - cpu_before;
            println!(
                "| {} | R{replicas} | {leaders} | {:.0} | {:.0} | {:.0} |",
                layout.label(),
                jobs as f64 / pushed.as_secs_f64(),
                jobs as f64 / worked.as_secs_f64(),
                cpu.as_secs_f64() * 1e6 / jobs as f64
            );
            drop_streams(&nc, row).await;
        }
    }
    cluster.stop();
}

/// CPU time (user + system) the cluster's nodes used so far, from `/proc/<pid>/stat`.
fn servers_cpu(cluster: &LocalCluster) -> Duration {
    // utime and stime are in clock ticks: USER_HZ, 100 on Linux.
    const TICKS_PER_SECOND: u64 = 100;
    let ticks: u64 = cluster
        .pids()
        .into_iter()
        .flatten()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// A connection whose queue streams are this row's own.
async fn connect(cluster: &LocalCluster, layout: Layout, replicas: usize, row: usize) -> Client {
    let mut queue = json!({
        "stream": format!("BENCH_{row}"),
        "subject_prefix": format!("bench.{row}"),
        "per_queue_prefix": format!("benchq.{row}"),
        "failed_bucket": format!("bench_failed_{row}"),
        "unique_bucket": format!("bench_unique_{row}"),
        "replicas": replicas,
    });
    match layout {
        Layout::Shared => {}
        // One replica cannot move its leader: tags place each queue's stream on its own node.
        Layout::PerQueue if replicas == 1 => {
            queue["streams"] = json!("per-queue");
            queue["queues"] = json!({
                "q0": { "placement": { "tags": ["node:n0"] } },
                "q1": { "placement": { "tags": ["node:n1"] } },
                "q2": { "placement": { "tags": ["node:n2"] } },
            });
        }
        Layout::PerQueue => queue["streams"] = json!("per-queue"),
        Layout::Partitioned => {
            queue["streams"] = json!("per-queue");
            queue["queues"] = json!({ "wide": { "partitions": 3 } });
        }
    }
    let mut config = ConnectionConfig::from_json(&json!({ "queue": queue }).to_string()).unwrap();
    config.servers = cluster.urls();
    Client::connect(&config).await.unwrap()
}

/// Moves the leaders of the rows' streams to different servers; returns the leaders.
async fn spread_leaders(nc: &Client, queues: &[Queue]) -> String {
    let mut streams = Vec::new();
    for q in queues {
        let placement = q.placement().await.unwrap();
        match placement.partitions.is_empty() {
            true => streams.push(placement.stream),
            false => streams.extend(placement.partitions.into_iter().map(|p| p.stream)),
        }
    }
    streams.dedup();
    let js = nc.jetstream();
    let mut leaders = Vec::new();
    for (i, stream) in streams.iter().enumerate() {
        let want = format!("n{i}");
        for _ in 0..40 {
            let info = js.stream_info(stream).await.unwrap();
            let leader = info["cluster"]["leader"]
                .as_str()
                .unwrap_or("-")
                .to_string();
            if leader == want || streams.len() == 1 || info["config"]["num_replicas"] == 1 {
                leaders.push(leader);
                break;
            }
            let body = json!({ "placement": { "preferred": want } });
            let _ = js
                .api(&format!("STREAM.LEADER.STEPDOWN.{stream}"), &body)
                .await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    leaders.join(", ")
}

/// Pushes `jobs` spread over `queues`, one producer per queue; the time until all stored.
async fn push_all(queues: &[Queue], jobs: u64) -> Duration {
    let started = Instant::now();
    let share = jobs / queues.len() as u64;
    let producers: Vec<_> = queues
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let q = q.clone();
            let count = if i == 0 {
                jobs - share * (queues.len() as u64 - 1)
            } else {
                share
            };
            tokio::spawn(async move {
                let batch: Vec<NewJob> = (0..256)
                    .map(|n| NewJob {
                        job: "Bench".into(),
                        data: json!({ "n": n }),
                        options: PushOptions::default(),
                    })
                    .collect();
                let mut left = count as usize;
                while left > 0 {
                    let n = left.min(batch.len());
                    q.push_many(&batch[..n]).await.unwrap();
                    left -= n;
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    started.elapsed()
}

/// Works every job with one worker on the row's queues; the time until all finished.
async fn work_all(nc: &Client, layout: Layout, jobs: u64) -> Duration {
    let options = WorkerOptions {
        queues: layout.queues(),
        concurrency: 16,
        sleep: 0.1,
        ..Default::default()
    };
    let worker = Arc::new(Worker::new(nc, "default", options).unwrap());
    let done = Arc::new(AtomicU64::new(0));
    let counted = done.clone();
    let started = Instant::now();
    let running = tokio::spawn(worker.clone().run(move |_job| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::Relaxed);
            Outcome::Success
        }
    }));
    while done.load(Ordering::Relaxed) < jobs {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    worker.stop();
    running.await.unwrap().unwrap();
    elapsed
}

/// Deletes the row's streams and buckets, so rows do not share servers' disks.
async fn drop_streams(nc: &Client, row: usize) {
    let js = nc.jetstream();
    for name in js.stream_names(None).await.unwrap() {
        let prefix = format!("BENCH_{row}");
        let buckets = [
            format!("KV_bench_failed_{row}"),
            format!("KV_bench_unique_{row}"),
        ];
        if name.starts_with(&prefix) || buckets.contains(&name) {
            let _ = js.delete_stream(&name).await;
        }
    }
}
