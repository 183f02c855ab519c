//! `make bench` (Rust part): natskit core next to raw async-nats, same server, same run.
//!
//! Every workload runs for each client in alternating order, three rounds; the best
//! round counts. Publish-only is timed until a server round trip confirms the last message.
//! JetStream workloads use a memory stream recreated before every round.

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
            Some(LocalServer::with_options(ServerOptions::jetstream()).expect("start nats-server"))
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
    js_publish(&url, 128, 20_000);
    js_publish_pipelined(&url, 128, 100_000, 256);
    js_pull(&url, 128, 100_000, 256);
    queue_jobs(&url, 256, 20_000);
    metrics_overhead(&url, 256, 20_000);
    tracing_overhead(&url, 256, 20_000);
}

const JS_STREAM: &str = "BENCH_JS";
const JS_SUBJECT: &str = "bench.js";
const JS_CONSUMER: &str = "bench";

/// Recreates the memory stream of the JetStream workloads (untimed), with `fill`
/// messages of `payload` and a durable pull consumer with explicit acks.
async fn fresh_stream(url: &str, fill: usize, payload: &Bytes) {
    use async_nats::jetstream::{consumer, stream};
    let js = async_nats::jetstream::new(async_nats::connect(url).await.unwrap());
    let _ = js.delete_stream(JS_STREAM).await;
    let created = js
        .create_stream(stream::Config {
            name: JS_STREAM.into(),
            subjects: vec![JS_SUBJECT.into()],
            storage: stream::StorageType::Memory,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut acks = futures::stream::FuturesUnordered::new();
    for _ in 0..fill {
        let ack = js.publish(JS_SUBJECT, payload.clone()).await.unwrap();
        acks.push(std::future::IntoFuture::into_future(ack));
        if acks.len() >= 256 {
            acks.next().await.unwrap().unwrap();
        }
    }
    while let Some(ack) = acks.next().await {
        ack.unwrap();
    }
    created
        .create_consumer(consumer::pull::Config {
            durable_name: Some(JS_CONSUMER.into()),
            ack_policy: consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .unwrap();
}

/// Publishes to a stream one at a time, each waiting for the stream's ack.
fn js_publish(url: &str, size: usize, count: usize) {
    let workload = format!("JetStream publish+ack {size} B × {count}, sequential");
    let payload = Bytes::from(vec![b'x'; size]);
    let options = natskit::jetstream::PublishOptions::default();
    let mut results = Vec::new();
    for side in [Side::Raw, Side::Core, Side::CoreBlocking] {
        let rate = best(|| {
            rt().block_on(fresh_stream(url, 0, &payload));
            let (last_seq, rate) = match side {
                Side::Raw => rt().block_on(async {
                    let js = async_nats::jetstream::new(async_nats::connect(url).await.unwrap());
                    let t = Instant::now();
                    let mut last = 0;
                    for _ in 0..count {
                        last = js
                            .publish(JS_SUBJECT, payload.clone())
                            .await
                            .unwrap()
                            .await
                            .unwrap()
                            .sequence;
                    }
                    (last, count as f64 / t.elapsed().as_secs_f64())
                }),
                Side::Core => rt().block_on(async {
                    let nc = natskit::connect(url).await.unwrap();
                    let js = nc.jetstream();
                    let t = Instant::now();
                    let mut last = 0;
                    for _ in 0..count {
                        last = js
                            .publish(JS_SUBJECT, payload.clone(), &options)
                            .await
                            .unwrap()
                            .sequence;
                    }
                    (last, count as f64 / t.elapsed().as_secs_f64())
                }),
                Side::CoreBlocking => {
                    let nc = natskit::runtime::block_on(natskit::connect(url))
                        .unwrap()
                        .unwrap();
                    let js = nc.jetstream();
                    let t = Instant::now();
                    let mut last = 0;
                    for _ in 0..count {
                        last = natskit::runtime::block_on(js.publish(
                            JS_SUBJECT,
                            payload.clone(),
                            &options,
                        ))
                        .unwrap()
                        .unwrap()
                        .sequence;
                    }
                    (last, count as f64 / t.elapsed().as_secs_f64())
                }
            };
            assert_eq!(last_seq, count as u64);
            rate
        });
        results.push((side, rate));
    }
    let raw = results[0].1;
    for (side, rate) in results {
        row(&workload, side, rate, raw, "msgs/s");
    }
}

/// Publishes to a stream with at most `window` acks outstanding.
fn js_publish_pipelined(url: &str, size: usize, count: usize, window: usize) {
    let workload = format!("JetStream publish+ack {size} B × {count}, ≤{window} in flight");
    let payload = Bytes::from(vec![b'x'; size]);
    let options = natskit::jetstream::PublishOptions::default();
    let mut results = Vec::new();
    for side in [Side::Raw, Side::Core] {
        let rate = best(|| {
            rt().block_on(async {
                fresh_stream(url, 0, &payload).await;
                let t;
                let acked = match side {
                    Side::Raw => {
                        let js =
                            async_nats::jetstream::new(async_nats::connect(url).await.unwrap());
                        let mut acks = futures::stream::FuturesUnordered::new();
                        let mut acked = 0u64;
                        t = Instant::now();
                        for _ in 0..count {
                            let ack = js.publish(JS_SUBJECT, payload.clone()).await.unwrap();
                            acks.push(std::future::IntoFuture::into_future(ack));
                            if acks.len() >= window {
                                acks.next().await.unwrap().unwrap();
                                acked += 1;
                            }
                        }
                        while let Some(ack) = acks.next().await {
                            ack.unwrap();
                            acked += 1;
                        }
                        acked
                    }
                    _ => {
                        let nc = natskit::connect(url).await.unwrap();
                        let publisher = nc.jetstream().publisher(window).unwrap();
                        t = Instant::now();
                        for _ in 0..count {
                            publisher
                                .publish(JS_SUBJECT, payload.clone(), &options)
                                .await
                                .unwrap();
                        }
                        publisher.wait().await.unwrap().acked
                    }
                };
                let rate = count as f64 / t.elapsed().as_secs_f64();
                assert_eq!(acked, count as u64);
                rate
            })
        });
        results.push((side, rate));
    }
    let raw = results[0].1;
    for (side, rate) in results {
        row(&workload, side, rate, raw, "msgs/s");
    }
}

/// Pulls a filled stream through a durable consumer in batches of `batch`, acking every
/// message; timed until a server round trip follows the last ack.
fn js_pull(url: &str, size: usize, count: usize, batch: usize) {
    let workload = format!("JetStream pull+ack {size} B × {count}, batches of {batch}");
    let payload = Bytes::from(vec![b'x'; size]);
    let expires = Duration::from_secs(5);
    let mut results = Vec::new();
    for side in [Side::Raw, Side::Core] {
        let rate = best(|| {
            rt().block_on(async {
                fresh_stream(url, count, &payload).await;
                let mut left = count;
                let t;
                match side {
                    Side::Raw => {
                        let nc = async_nats::connect(url).await.unwrap();
                        let js = async_nats::jetstream::new(nc.clone());
                        let consumer: async_nats::jetstream::consumer::PullConsumer = js
                            .get_stream(JS_STREAM)
                            .await
                            .unwrap()
                            .get_consumer(JS_CONSUMER)
                            .await
                            .unwrap();
                        t = Instant::now();
                        while left > 0 {
                            let mut messages = consumer
                                .batch()
                                .max_messages(batch.min(left))
                                .expires(expires)
                                .messages()
                                .await
                                .unwrap();
                            while let Some(m) = messages.next().await {
                                m.unwrap().ack().await.unwrap();
                                left -= 1;
                            }
                        }
                        nc.flush().await.unwrap();
                    }
                    _ => {
                        let nc = natskit::connect(url).await.unwrap();
                        let consumer = nc
                            .jetstream()
                            .pull_consumer(JS_STREAM, JS_CONSUMER)
                            .await
                            .unwrap();
                        let options = natskit::jetstream::FetchOptions {
                            timeout: Some(expires),
                            no_wait: false,
                        };
                        t = Instant::now();
                        while left > 0 {
                            for m in consumer.fetch(batch.min(left), &options).await.unwrap() {
                                m.ack().await.unwrap();
                                left -= 1;
                            }
                        }
                        nc.flush().await.unwrap();
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

/// Jobs pushed (each confirmed by the stream), then worked and acknowledged by a
/// worker with 1 and 4 concurrent handlers: default options (adaptive prefetch), then 64.
fn queue_jobs(url: &str, size: usize, count: usize) {
    use natskit::queue::{Outcome, PushOptions, Worker, WorkerOptions};
    use std::sync::Arc;
    let payload = serde_json::Value::String("x".repeat(size));
    println!("\n| queue workload | result |\n|---|---|");
    for (concurrency, prefetch) in [(1usize, 0usize), (4, 0), (1, 64), (4, 64)] {
        let (push_rate, work_rate) = rt().block_on(async {
            let nc = natskit::connect(url).await.unwrap();
            let q = nc.queue(&format!("bench{concurrency}_{prefetch}")).unwrap();
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
                prefetch,
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
        if (concurrency, prefetch) == (1, 0) {
            println!(
                "| push {size} B × {count} (confirmed, ≤256 in flight) | {} jobs/s |",
                fmt(push_rate)
            );
        }
        let prefetch = match prefetch {
            0 => "default (adaptive)".to_string(),
            n => n.to_string(),
        };
        println!(
            "| work+ack {count} jobs, concurrency {concurrency}, prefetch {prefetch} | {} jobs/s |",
            fmt(work_rate)
        );
    }
}

/// Work+ack throughput with metrics recorded and not (issue 17's target: at most 3% slower
/// with them), alternating each round; the best round of each counts.
fn metrics_overhead(url: &str, size: usize, count: usize) {
    use natskit::queue::{Outcome, PushOptions, Worker, WorkerOptions};
    use std::sync::Arc;
    let payload = serde_json::Value::String("x".repeat(size));
    println!("\n| metrics | work+ack {count} jobs, concurrency 1 | ratio vs off |\n|---|---|---|");
    let mut best = [0f64; 2];
    for round in 0..ROUNDS * 2 {
        let on = round % 2 == 0;
        let rate = rt().block_on(async {
            let nc = natskit::connect(url).await.unwrap();
            nc.record_metrics(on);
            let q = nc.queue(&format!("bench_metrics_{round}")).unwrap();
            let jobs: Vec<_> = (0..count)
                .map(|_| natskit::queue::NewJob {
                    job: "Bench".into(),
                    data: payload.clone(),
                    options: PushOptions::default(),
                })
                .collect();
            q.push_many(&jobs).await.unwrap();
            let options = WorkerOptions {
                queues: vec![q.name().to_string()],
                stop_when_empty: true,
                sleep: 0.2,
                ..Default::default()
            };
            let worker = Arc::new(Worker::new(&nc, "default", options).unwrap());
            let t = Instant::now();
            let stats = worker.run(|_job| async { Outcome::Success }).await.unwrap();
            assert_eq!(stats.processed as usize, count);
            q.clear().await.unwrap();
            count as f64 / t.elapsed().as_secs_f64()
        });
        let slot = &mut best[usize::from(!on)];
        *slot = slot.max(rate);
    }
    for (label, rate) in [("on", best[0]), ("off", best[1])] {
        println!("| {label} | {} jobs/s | {:.3} |", fmt(rate), rate / best[1]);
    }
}

/// Work+ack throughput with a tracing subscriber taking every span and not (issue 17's
/// target: at most 10% slower with it), alternating each round; the best round of each counts.
fn tracing_overhead(url: &str, size: usize, count: usize) {
    use natskit::queue::{Outcome, Worker, WorkerOptions};
    use std::sync::Arc;
    let spans = spans::install();
    let payload = serde_json::Value::String("x".repeat(size));
    println!("\n| tracing | work+ack {count} jobs, concurrency 1 | ratio vs off |\n|---|---|---|");
    let mut best = [0f64; 2];
    for round in 0..ROUNDS * 2 {
        let on = round % 2 == 0;
        spans.set(on);
        let rate = rt().block_on(async {
            let nc = natskit::connect(url).await.unwrap();
            let q = nc.queue(&format!("bench_tracing_{round}")).unwrap();
            let jobs: Vec<_> = (0..count)
                .map(|_| natskit::queue::NewJob {
                    job: "Bench".into(),
                    data: payload.clone(),
                    options: natskit::queue::PushOptions {
                        traceparent: Some(
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
                        ),
                        ..Default::default()
                    },
                })
                .collect();
            q.push_many(&jobs).await.unwrap();
            let options = WorkerOptions {
                queues: vec![q.name().to_string()],
                stop_when_empty: true,
                sleep: 0.2,
                ..Default::default()
            };
            let worker = Arc::new(Worker::new(&nc, "default", options).unwrap());
            let t = Instant::now();
            let stats = worker.run(|_job| async { Outcome::Success }).await.unwrap();
            assert_eq!(stats.processed as usize, count);
            q.clear().await.unwrap();
            count as f64 / t.elapsed().as_secs_f64()
        });
        let slot = &mut best[usize::from(!on)];
        *slot = slot.max(rate);
    }
    spans.set(false);
    for (label, rate) in [("on", best[0]), ("off", best[1])] {
        println!("| {label} | {} jobs/s | {:.3} |", fmt(rate), rate / best[1]);
    }
    println!("\n({} spans taken with tracing on)", spans.taken());
}

/// A tracing subscriber that can be switched on and off: on, it takes every span and event
/// with their fields (as an exporter would) and counts the spans.
mod spans {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;

    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Default)]
    pub struct Switch {
        on: AtomicBool,
        next: AtomicU64,
    }

    impl Switch {
        pub fn set(&self, on: bool) {
            self.on.store(on, Ordering::SeqCst);
        }

        pub fn taken(&self) -> u64 {
            self.next.load(Ordering::Relaxed)
        }
    }

    struct Fields(usize);

    impl tracing::field::Visit for Fields {
        fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            self.0 += format!("{value:?}").len();
        }
    }

    pub struct Sub(Arc<Switch>);

    /// Installs the switch as the process's subscriber (off).
    pub fn install() -> Arc<Switch> {
        let switch = Arc::new(Switch::default());
        tracing::subscriber::set_global_default(Sub(switch.clone())).unwrap();
        switch
    }

    impl Subscriber for Sub {
        fn register_callsite(
            &self,
            _: &'static Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            tracing::subscriber::Interest::sometimes()
        }
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            self.0.on.load(Ordering::Relaxed)
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut fields = Fields(0);
            span.record(&mut fields);
            std::hint::black_box(fields.0);
            Id::from_u64(self.0.next.fetch_add(1, Ordering::Relaxed) + 1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            values.record(&mut Fields(0));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            event.record(&mut Fields(0));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
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
