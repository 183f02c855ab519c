//! `make bench` (Rust part): natskit core next to raw async-nats, same server, same run.
//!
//! Every workload runs for each client in alternating order, three rounds; the best
//! round counts. Publish-only is timed until a server round trip confirms the last message.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use natskit::{LocalServer, ServerOptions};

const ROUNDS: usize = 3;

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Core,
    CoreBlocking,
    Raw,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Core => "natskit core (async)",
            Side::CoreBlocking => "natskit core (block_on per call)",
            Side::Raw => "raw async-nats",
        }
    }
}

fn main() {
    let server = match std::env::var("NATS_URL") {
        Ok(_) => None,
        Err(_) => {
            Some(LocalServer::with_options(ServerOptions::default()).expect("start nats-server"))
        }
    };
    let url = server
        .as_ref()
        .map(|s| s.url())
        .unwrap_or_else(|| std::env::var("NATS_URL").unwrap());
    println!("# Rust: natskit core vs raw async-nats ({url}), best of {ROUNDS} rounds\n");
    println!("| workload | client | result | ratio vs raw |");
    println!("|---|---|---|---|");
    publish_only(&url, 16, 1_000_000);
    publish_only(&url, 1024, 200_000);
    pub_sub(&url, 128, 200_000);
    request_reply(&url, 64, 20_000);
    queue_jobs(&url, 256, 20_000);
}

/// Jobs pushed (each confirmed by the stream), then worked and acknowledged by a
/// worker with 1 and 4 concurrent handlers.
fn queue_jobs(url: &str, size: usize, count: usize) {
    use natskit::queue::{Outcome, PushOptions, Worker, WorkerOptions};
    use std::sync::Arc;
    let payload = serde_json::Value::String("x".repeat(size));
    println!("\n| queue workload | result |\n|---|---|");
    for concurrency in [1usize, 4] {
        let (push_rate, work_rate) = rt().block_on(async {
            let nc = natskit::connect(url).await.unwrap();
            let q = nc.queue(&format!("bench{concurrency}")).unwrap();
            let t = Instant::now();
            let opts = PushOptions::default();
            let mut pending = futures::stream::FuturesUnordered::new();
            for _ in 0..count {
                pending.push(q.push("Bench", payload.clone(), &opts));
                if pending.len() >= 256 {
                    pending.next().await.unwrap().unwrap();
                }
            }
            while let Some(r) = pending.next().await {
                r.unwrap();
            }
            let push_rate = count as f64 / t.elapsed().as_secs_f64();
            let options = WorkerOptions {
                queues: vec![q.name().to_string()],
                concurrency,
                stop_when_empty: true,
                sleep: 0.2,
                ..Default::default()
            };
            let worker = Arc::new(Worker::new(&nc, "default", options).unwrap());
            let t = Instant::now();
            let stats = worker.run(|_job| async { Outcome::Success }).await.unwrap();
            assert_eq!(stats.processed as usize, count);
            (push_rate, count as f64 / t.elapsed().as_secs_f64())
        });
        if concurrency == 1 {
            println!(
                "| push {size} B × {count} (confirmed, ≤256 in flight) | {} jobs/s |",
                fmt(push_rate)
            );
        }
        println!(
            "| work+ack {count} jobs, concurrency {concurrency} | {} jobs/s |",
            fmt(work_rate)
        );
    }
}

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fn best(mut run: impl FnMut() -> f64) -> f64 {
    (0..ROUNDS).map(|_| run()).fold(f64::MIN, f64::max)
}

fn row(workload: &str, side: Side, value: f64, raw: f64, unit: &str) {
    let ratio = if side == Side::Raw {
        "1.00×".to_string()
    } else {
        format!("{:.2}×", value / raw)
    };
    println!(
        "| {workload} | {} | {} {unit} | {ratio} |",
        side.label(),
        fmt(value)
    );
}

fn fmt(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.0}k", v / 1000.0)
    } else {
        format!("{v:.1}")
    }
}

async fn raw_round_trip(nc: &async_nats::Client) {
    nc.flush().await.unwrap();
    let _ = nc.request(nc.new_inbox(), Bytes::new()).await;
}

fn publish_only(url: &str, size: usize, count: usize) {
    let workload = format!("publish {size} B × {count}");
    let payload = Bytes::from(vec![b'x'; size]);
    let mut results = Vec::new();
    for side in [Side::Raw, Side::Core, Side::CoreBlocking] {
        let rate = best(|| match side {
            Side::Raw => rt().block_on(async {
                let nc = async_nats::connect(url).await.unwrap();
                let t = Instant::now();
                for _ in 0..count {
                    nc.publish("bench.pub", payload.clone()).await.unwrap();
                }
                raw_round_trip(&nc).await;
                count as f64 / t.elapsed().as_secs_f64()
            }),
            Side::Core => rt().block_on(async {
                let nc = natskit::connect(url).await.unwrap();
                let t = Instant::now();
                for _ in 0..count {
                    nc.publish("bench.pub", payload.clone()).await.unwrap();
                }
                nc.flush().await.unwrap();
                count as f64 / t.elapsed().as_secs_f64()
            }),
            Side::CoreBlocking => {
                let nc = natskit::runtime::block_on(natskit::connect(url))
                    .unwrap()
                    .unwrap();
                let t = Instant::now();
                for _ in 0..count {
                    natskit::runtime::block_on(nc.publish("bench.pub", payload.clone()))
                        .unwrap()
                        .unwrap();
                }
                natskit::runtime::block_on(nc.flush()).unwrap().unwrap();
                count as f64 / t.elapsed().as_secs_f64()
            }
        });
        results.push((side, rate));
    }
    let raw = results[0].1;
    for (side, rate) in results {
        row(&workload, side, rate, raw, "msgs/s");
    }
}

fn pub_sub(url: &str, size: usize, count: usize) {
    let workload = format!("pub+sub {size} B × {count}");
    let payload = Bytes::from(vec![b'x'; size]);
    let mut results = Vec::new();
    for side in [Side::Raw, Side::Core] {
        let rate = best(|| {
            rt().block_on(async {
                let t;
                match side {
                    Side::Raw => {
                        let sub_nc = async_nats::ConnectOptions::new()
                            .subscription_capacity(1 << 20)
                            .connect(url)
                            .await
                            .unwrap();
                        let mut sub = sub_nc.subscribe("bench.ps").await.unwrap();
                        raw_round_trip(&sub_nc).await;
                        let pub_nc = async_nats::connect(url).await.unwrap();
                        t = Instant::now();
                        let payload = payload.clone();
                        tokio::spawn(async move {
                            for _ in 0..count {
                                pub_nc.publish("bench.ps", payload.clone()).await.unwrap();
                            }
                            pub_nc.flush().await.unwrap();
                        });
                        for _ in 0..count {
                            sub.next().await.unwrap();
                        }
                    }
                    _ => {
                        let sub_nc = natskit::connect(url).await.unwrap();
                        let mut sub = sub_nc.subscribe("bench.ps", None).await.unwrap();
                        sub_nc.flush().await.unwrap();
                        let pub_nc = natskit::connect(url).await.unwrap();
                        t = Instant::now();
                        let payload = payload.clone();
                        tokio::spawn(async move {
                            for _ in 0..count {
                                pub_nc.publish("bench.ps", payload.clone()).await.unwrap();
                            }
                            pub_nc.flush().await.unwrap();
                        });
                        for _ in 0..count {
                            sub.next().await.unwrap();
                        }
                    }
                }
                count as f64 / t.elapsed().as_secs_f64()
            })
        });
        results.push((side, rate));
    }
    let raw = results[0].1;
    for (side, rate) in results {
        row(&workload, side, rate, raw, "msgs/s");
    }
}

fn request_reply(url: &str, size: usize, count: usize) {
    let workload = format!("request/reply {size} B × {count}");
    let payload = Bytes::from(vec![b'x'; size]);
    let responder = rt().block_on(async {
        let nc = async_nats::connect(url).await.unwrap();
        let mut sub = nc.subscribe("bench.req").await.unwrap();
        nc.flush().await.unwrap();
        let nc2 = nc.clone();
        tokio::spawn(async move {
            while let Some(m) = sub.next().await {
                if let Some(reply) = m.reply {
                    nc2.publish(reply, m.payload).await.unwrap();
                }
            }
        });
        nc
    });
    let mut results: Vec<(Side, Vec<Duration>)> = Vec::new();
    for side in [Side::Raw, Side::Core, Side::CoreBlocking] {
        let mut best_run: Option<Vec<Duration>> = None;
        for _ in 0..ROUNDS {
            let mut lat = Vec::with_capacity(count);
            match side {
                Side::Raw => rt().block_on(async {
                    let nc = async_nats::connect(url).await.unwrap();
                    for _ in 0..count {
                        let t = Instant::now();
                        nc.request("bench.req", payload.clone()).await.unwrap();
                        lat.push(t.elapsed());
                    }
                }),
                Side::Core => rt().block_on(async {
                    let nc = natskit::connect(url).await.unwrap();
                    for _ in 0..count {
                        let t = Instant::now();
                        nc.request("bench.req", payload.clone()).await.unwrap();
                        lat.push(t.elapsed());
                    }
                }),
                Side::CoreBlocking => {
                    let nc = natskit::runtime::block_on(natskit::connect(url))
                        .unwrap()
                        .unwrap();
                    for _ in 0..count {
                        let t = Instant::now();
                        natskit::runtime::block_on(nc.request("bench.req", payload.clone()))
                            .unwrap()
                            .unwrap();
                        lat.push(t.elapsed());
                    }
                }
            }
            lat.sort();
            if best_run
                .as_ref()
                .is_none_or(|b| lat[count / 2] < b[count / 2])
            {
                best_run = Some(lat);
            }
        }
        results.push((side, best_run.unwrap()));
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let raw_p50 = us(results[0].1[count / 2]);
    for (side, lat) in &results {
        let p50 = us(lat[count / 2]);
        let p99 = us(lat[count * 99 / 100]);
        let ratio = format!("{:.2}× p50", p50 / raw_p50);
        println!(
            "| {workload} | {} | p50 {p50:.0} µs, p99 {p99:.0} µs | {ratio} |",
            side.label()
        );
    }
    drop(responder);
}
