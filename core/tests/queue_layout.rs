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
    ];
    for queue in bad {
        let err = parse(queue.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config, "{queue}: {err}");
    }
}
