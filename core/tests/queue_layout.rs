//! Queue stream layouts on one server: a stream per queue (for the whole connection or one
//! queue), its placement report, and moving jobs from the shared stream with `migrate`.

mod common;

use std::time::{Duration, Instant};

use natskit::config::StreamLayout;
use natskit::queue::{Outcome, PushOptions, Queue, Step, Worker, WorkerOptions};
use natskit::{Client, ConnectionConfig, ErrorCode, LocalServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(2);

async fn connect(srv: &LocalServer, queue: serde_json::Value) -> Client {
    let mut config = ConnectionConfig::from_json(&json!({ "queue": queue }).to_string()).unwrap();
    config.servers = vec![srv.url()];
    Client::connect(&config).await.unwrap()
}

/// Polls `size()` until (ready, reserved, delayed) is `expected`.
async fn wait_sizes(q: &Queue, expected: (u64, u64, u64)) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let s = q.size().await.unwrap();
        let got = (s.ready, s.reserved, s.delayed);
        if got == expected || Instant::now() > deadline {
            assert_eq!(got, expected, "(ready, reserved, delayed) of {}", q.name());
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn per_queue_layout_gives_each_queue_its_own_stream() {
    let srv = common::server();
    let nc = connect(&srv, json!({ "streams": "per-queue", "retry_after": 1.0 })).await;
    let (high, low) = (nc.queue("high").unwrap(), nc.queue("low").unwrap());
    let unique = PushOptions {
        unique_key: Some("k".into()),
        ..Default::default()
    };
    low.push("Low", json!(1), &PushOptions::default())
        .await
        .unwrap();
    high.push("High", json!(1), &unique).await.unwrap();
    assert_eq!(high.push("High", json!(2), &unique).await.unwrap(), None);
    high.later(
        Duration::from_secs(1),
        "Later",
        json!(3),
        &PushOptions::default(),
    )
    .await
    .unwrap();

    let placement = high.placement().await.unwrap();
    assert_eq!(placement.stream, "NATSKIT_JOBS_high");
    assert_eq!(placement.layout, StreamLayout::PerQueue);
    assert_eq!(placement.replicas, 1);
    assert_eq!(high.ready_subject(), "natskit.queue.q.high");
    let js = nc.jetstream();
    let mut streams = js.stream_names(None).await.unwrap();
    streams.retain(|s| s.starts_with("NATSKIT_JOBS"));
    streams.sort();
    assert_eq!(
        streams,
        ["NATSKIT_JOBS_high", "NATSKIT_JOBS_low"],
        "no shared stream"
    );
    assert_eq!(
        natskit::queue::queue_names(&nc).await.unwrap(),
        ["high", "low"]
    );
    wait_sizes(&high, (1, 0, 1)).await;

    // The worker takes `high` first (priority), the delayed job after its time, and a
    // failed job retried from the failed store comes back to the queue's own stream.
    let options = WorkerOptions {
        queues: vec!["high".into(), "low".into()],
        sleep: 0.2,
        ..Default::default()
    };
    let worker = Worker::new(&nc, "default", options).unwrap();
    let mut names = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(6);
    while names.len() < 3 && Instant::now() < deadline {
        if let Step::Job(job) = worker.next(WAIT).await.unwrap() {
            names.push(job.name().to_string());
            let outcome = match job.name() {
                "Low" => Outcome::Error {
                    exception: "E".into(),
                    message: "boom".into(),
                    trace: String::new(),
                },
                _ => Outcome::Success,
            };
            worker.finish(job, outcome).await.unwrap();
        }
    }
    assert_eq!(names, ["High", "Low", "Later"]);
    let failed = low.failed();
    assert_eq!(failed.count(Some("low")).await.unwrap(), 1);
    let ids: Vec<String> = failed
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    failed.retry(&ids).await.unwrap();
    wait_sizes(&low, (1, 0, 0)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_queue_can_have_its_own_stream_beside_the_shared_one() {
    let srv = common::server();
    let config = json!({ "queues": { "hot": { "streams": "per-queue" } } });
    let nc = connect(&srv, config).await;
    for name in ["hot", "cold"] {
        nc.queue(name)
            .unwrap()
            .push("Job", json!(name), &PushOptions::default())
            .await
            .unwrap();
    }
    let hot = nc.queue("hot").unwrap().placement().await.unwrap();
    let cold = nc.queue("cold").unwrap().placement().await.unwrap();
    assert_eq!(
        (hot.stream.as_str(), hot.layout),
        ("NATSKIT_JOBS_hot", StreamLayout::PerQueue)
    );
    assert_eq!(
        (cold.stream.as_str(), cold.layout),
        ("NATSKIT_JOBS", StreamLayout::Shared)
    );
    assert_eq!(
        natskit::queue::queue_names(&nc).await.unwrap(),
        ["cold", "hot"]
    );
    let job = nc.queue("hot").unwrap().pop(WAIT).await.unwrap().unwrap();
    assert_eq!(job.payload(), &json!("hot"));
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_moves_waiting_and_delayed_jobs_and_leaves_reserved_ones() {
    let srv = common::server();
    let shared = connect(&srv, json!({ "retry_after": 30.0 })).await;
    let old = shared.queue("mail").unwrap();
    let unique = PushOptions {
        unique_key: Some("only-once".into()),
        ..Default::default()
    };
    for n in 0..5 {
        let opts = if n == 4 {
            unique.clone()
        } else {
            PushOptions::default()
        };
        old.push("Mail", json!(n), &opts).await.unwrap();
    }
    for n in 5..7 {
        old.later(
            Duration::from_secs(4),
            "Mail",
            json!(n),
            &PushOptions::default(),
        )
        .await
        .unwrap();
    }
    let held = old.pop(WAIT).await.unwrap().unwrap();
    assert_eq!(held.payload(), &json!(0));

    let per_queue = connect(&srv, json!({ "streams": "per-queue" })).await;
    let new = per_queue.queue("mail").unwrap();
    let moved = new.migrate().await.unwrap();
    assert_eq!(
        (
            moved.stream.as_str(),
            moved.ready,
            moved.delayed,
            moved.reserved
        ),
        ("NATSKIT_JOBS_mail", 4, 2, 1)
    );
    wait_sizes(&old, (0, 1, 0)).await;
    wait_sizes(&new, (4, 0, 2)).await;
    assert_eq!(
        new.push("Mail", json!("again"), &unique).await.unwrap(),
        None,
        "the moved job still holds its unique key"
    );
    held.finish(Outcome::Success, None, None).await.unwrap();
    let again = natskit::queue::migrate(&per_queue, "default")
        .await
        .unwrap();
    assert_eq!(again.iter().map(|m| m.ready + m.delayed).sum::<u64>(), 0);

    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(8);
    while seen.len() < 6 && Instant::now() < deadline {
        if let Some(job) = new.pop(WAIT).await.unwrap() {
            seen.push(job.payload().as_u64().unwrap());
            job.finish(Outcome::Success, None, None).await.unwrap();
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [1, 2, 3, 4, 5, 6],
        "every moved job once, delayed ones at their time"
    );
    assert!(old.pop(Duration::ZERO).await.unwrap().is_none());
}

#[test]
fn layout_settings_are_checked() {
    let parse = |queue: serde_json::Value| {
        ConnectionConfig::from_json(&json!({ "queue": queue }).to_string())
            .and_then(|c| c.validate().map(|_| c))
    };
    let c = parse(
        json!({ "streams": "per-queue", "placement": { "tags": ["ssd"] },
        "queues": { "a": { "streams": "shared" } } }),
    )
    .unwrap();
    assert_eq!(c.queue.layout("a"), StreamLayout::Shared);
    assert_eq!(c.queue.layout("b"), StreamLayout::PerQueue);
    assert_eq!(c.queue.placement_of("b").unwrap().tags, ["ssd"]);
    let bad = [
        json!({ "streams": "sharded" }),
        json!({ "per_queue_prefix": "natskit.jobs.own" }),
        json!({ "subject_prefix": "jobs", "per_queue_prefix": "jobs" }),
        json!({ "queues": { "a.b": {} } }),
        json!({ "queues": { "a": { "partitions": 2, "extra": 1 } } }),
        json!({ "queues": { "a": { "partitions": 0 } } }),
        json!({ "queues": { "a": { "partitions": 65 } } }),
    ];
    for queue in bad {
        let err = parse(queue.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config, "{queue}: {err}");
    }
}

/// A key for each of `n` partitions.
fn keys_per_partition(n: u32) -> Vec<String> {
    (0..n)
        .map(|p| {
            (0..)
                .map(|i| format!("key-{i}"))
                .find(|k| natskit::queue::partition_of(k, n) == p)
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partitioned_queue_spreads_over_streams_and_works_like_one_queue() {
    let srv = common::server();
    let config = json!({ "streams": "per-queue", "retry_after": 1.0,
        "queues": { "orders": { "partitions": 3 } } });
    let nc = connect(&srv, config).await;
    let orders = nc.queue("orders").unwrap();
    assert_eq!(orders.partitions(), 3);
    let low = nc.queue("low").unwrap();
    low.push("Low", json!({}), &PushOptions::default())
        .await
        .unwrap();
    let keyed = |key: &str| PushOptions {
        partition_key: Some(key.into()),
        ..Default::default()
    };
    for n in 0..12 {
        orders
            .push("Order", json!({ "n": n }), &keyed("customer-7"))
            .await
            .unwrap();
    }
    let jobs: Vec<natskit::queue::NewJob> = (12..30)
        .map(|n| natskit::queue::NewJob {
            job: "Order".into(),
            data: json!({ "n": n }),
            options: PushOptions::default(),
        })
        .collect();
    let ids = orders.push_many(&jobs).await.unwrap();
    assert!(ids.iter().all(Option::is_some));
    let unique = PushOptions {
        unique_key: Some("u".into()),
        ..Default::default()
    };
    assert!(orders
        .push("Order", json!({ "n": 30 }), &unique)
        .await
        .unwrap()
        .is_some());
    assert!(orders
        .push("Order", json!({ "n": 31 }), &unique)
        .await
        .unwrap()
        .is_none());
    orders
        .later(
            Duration::from_secs(1),
            "Order",
            json!({ "n": 32 }),
            &PushOptions::default(),
        )
        .await
        .unwrap();
    wait_sizes(&orders, (31, 0, 1)).await;

    let placement = orders.placement().await.unwrap();
    let streams: Vec<&str> = placement
        .partitions
        .iter()
        .map(|p| p.stream.as_str())
        .collect();
    assert_eq!(
        streams,
        [
            "NATSKIT_JOBS_orders~0",
            "NATSKIT_JOBS_orders~1",
            "NATSKIT_JOBS_orders~2"
        ]
    );
    for stream in &streams {
        let info = nc.jetstream().stream_info(stream).await.unwrap();
        assert!(
            info["state"]["messages"].as_u64().unwrap() > 0,
            "{stream} holds no job"
        );
    }
    assert_eq!(
        natskit::queue::queue_names(&nc).await.unwrap(),
        ["low", "orders"]
    );

    // Priority holds across queues; jobs with one partition key keep their order; one job
    // fails (counted once, not per partition) and is retried into its partition.
    let options = WorkerOptions {
        queues: vec!["orders".into(), "low".into()],
        sleep: 0.1,
        ..Default::default()
    };
    let worker = Worker::new(&nc, "default", options).unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(8);
    while seen.len() < 33 && Instant::now() < deadline {
        if let Step::Job(job) = worker.next(WAIT).await.unwrap() {
            seen.push(job.payload()["n"].as_i64().unwrap_or(-1));
            let outcome = match job.payload()["n"].as_i64() {
                Some(29) => Outcome::Error {
                    exception: "E".into(),
                    message: "boom".into(),
                    trace: String::new(),
                },
                _ => Outcome::Success,
            };
            worker.finish(job, outcome).await.unwrap();
        }
    }
    assert_eq!(seen.len(), 33, "{seen:?}");
    let low_at = seen.iter().position(|n| *n == -1).unwrap();
    assert!(
        low_at >= 31,
        "the low queue after every ready order: {seen:?}"
    );
    assert!(seen.contains(&32), "the delayed order ran: {seen:?}");
    let customer: Vec<i64> = seen
        .iter()
        .copied()
        .filter(|n| (0..12).contains(n))
        .collect();
    assert_eq!(
        customer,
        (0..12).collect::<Vec<_>>(),
        "one key keeps its order"
    );
    wait_sizes(&orders, (0, 0, 0)).await;
    assert_eq!(orders.size().await.unwrap().failed, 1);
    let failed = orders.failed();
    let ids: Vec<String> = failed
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    failed.retry(&ids).await.unwrap();
    wait_sizes(&orders, (1, 0, 0)).await;
    let view = natskit::overview::overview(&nc, &Default::default())
        .await
        .unwrap();
    let names: Vec<&str> = view.queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(
        names,
        ["low", "orders"],
        "the dashboard shows a partitioned queue once"
    );
    let listed = &view.queues[1].activity;
    assert_eq!((listed.size.ready, listed.size.failed), (1, 0));
    assert!(
        listed.finished >= 31,
        "finished deliveries of every partition: {listed:?}"
    );
    assert_eq!(orders.clear().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn pops_take_each_partition_in_turn() {
    let srv = common::server();
    let nc = connect(&srv, json!({ "queues": { "fair": { "partitions": 3 } } })).await;
    let q = nc.queue("fair").unwrap();
    let keys = keys_per_partition(3);
    for _ in 0..5 {
        for key in &keys {
            let opts = PushOptions {
                partition_key: Some(key.clone()),
                ..Default::default()
            };
            q.push("Job", json!(key), &opts).await.unwrap();
        }
    }
    let mut taken = Vec::new();
    for _ in 0..6 {
        let job = q.pop(WAIT).await.unwrap().unwrap();
        taken.push(job.payload().as_str().unwrap().to_string());
        job.finish(Outcome::Success, None, None).await.unwrap();
    }
    for key in &keys {
        let n = taken.iter().filter(|k| *k == key).count();
        assert_eq!(n, 2, "each partition twice in six pops: {taken:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_spreads_shared_jobs_over_partitions() {
    let srv = common::server();
    let shared = connect(&srv, json!({})).await;
    for n in 0..9 {
        shared
            .queue("spread")
            .unwrap()
            .push("Job", json!(n), &PushOptions::default())
            .await
            .unwrap();
    }
    let config = json!({ "streams": "per-queue", "queues": { "spread": { "partitions": 3 } } });
    let nc = connect(&srv, config).await;
    let moved = natskit::queue::migrate(&nc, "default").await.unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].ready, 9);
    assert_eq!(
        moved[0].stream,
        "NATSKIT_JOBS_spread~0,NATSKIT_JOBS_spread~1,NATSKIT_JOBS_spread~2"
    );
    let q = nc.queue("spread").unwrap();
    wait_sizes(&q, (9, 0, 0)).await;
    let mut seen = Vec::new();
    while let Some(job) = q.pop(Duration::from_millis(200)).await.unwrap() {
        seen.push(job.payload().as_u64().unwrap());
        job.finish(Outcome::Success, None, None).await.unwrap();
    }
    seen.sort();
    assert_eq!(seen, (0..9).collect::<Vec<_>>());
}
