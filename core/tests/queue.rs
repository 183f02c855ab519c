//! The job queue and worker against a real nats-server: lifecycle, delays, priorities,
//! unique jobs, sizes, the failed-jobs store and the dead-letter subject.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use natskit::queue::{Backoff, JobEvent, Outcome, PushOptions, Step, Worker, WorkerOptions};
use natskit::{Client, ConnectionConfig, ErrorCode, LocalServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(2);

async fn connect(srv: &LocalServer, edit: impl FnOnce(&mut ConnectionConfig)) -> Client {
    let mut config = ConnectionConfig::for_url(&srv.url());
    config.queue.retry_after = 1.0;
    edit(&mut config);
    Client::connect(&config).await.unwrap()
}

fn boom(message: &str) -> Outcome {
    Outcome::Error {
        exception: "RuntimeError".into(),
        message: message.into(),
        trace: "at handler".into(),
    }
}

async fn worker(nc: &Client, queues: &[&str]) -> Worker {
    let options = WorkerOptions {
        queues: queues.iter().map(|q| q.to_string()).collect(),
        sleep: 0.5,
        ..Default::default()
    };
    Worker::new(nc, "default", options).unwrap()
}

async fn next_job(w: &Worker, wait: Duration) -> Option<natskit::queue::Job> {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match w.next(deadline - Instant::now()).await.unwrap() {
            Step::Job(j) => return Some(j),
            Step::Idle => continue,
            Step::Stop(r) => panic!("stopped: {r:?}"),
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn push_pop_complete() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let id = q
        .push(
            "SendEmail",
            json!({"to": "ada@example.com"}),
            &PushOptions::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(q.size().await.unwrap().ready, 1);
    let job = q.pop(WAIT).await.unwrap().expect("a job");
    assert_eq!(job.id(), id);
    assert_eq!(job.name(), "SendEmail");
    assert_eq!(job.payload()["to"], "ada@example.com");
    assert_eq!(job.attempts(), 1);
    let size = q.size().await.unwrap();
    assert_eq!((size.ready, size.reserved), (0, 1));
    assert_eq!(
        job.finish(Outcome::Success, None, None).await.unwrap(),
        JobEvent::Processed { id }
    );
    let size = q.size().await.unwrap();
    assert_eq!((size.ready, size.reserved, size.failed), (0, 0, 0));
    assert!(q.pop(Duration::from_millis(300)).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_tries_go_to_failed_store_and_dead_letter_subject() {
    let srv = common::server();
    let nc = connect(&srv, |c| {
        c.queue.dead_letter_subject = Some("jobs.dead".into())
    })
    .await;
    let mut dlq = nc.subscribe("jobs.dead", None).await.unwrap();
    let q = nc.queue("emails").unwrap();
    let opts = PushOptions {
        max_tries: Some(2),
        ..Default::default()
    };
    let id = q
        .push("Flaky", json!({"n": 1}), &opts)
        .await
        .unwrap()
        .unwrap();
    let w = worker(&nc, &["emails"]).await;
    let first = next_job(&w, WAIT).await.unwrap();
    assert!(matches!(
        w.finish(first, boom("first")).await.unwrap(),
        JobEvent::Retrying { .. }
    ));
    let second = next_job(&w, WAIT).await.unwrap();
    assert_eq!(second.attempts(), 2);
    let event = w.finish(second, boom("second")).await.unwrap();
    assert!(
        matches!(&event, JobEvent::Failed { reason, .. } if reason.contains("attempted 2 times")),
        "{event:?}"
    );

    let failed = q.failed().get(&id).await.unwrap();
    assert_eq!(
        (
            failed.queue.as_str(),
            failed.exception.as_str(),
            failed.message.as_str()
        ),
        ("emails", "RuntimeError", "second")
    );
    assert_eq!(failed.trace, "at handler");
    assert_eq!(failed.payload["attempts"], 2);
    let dead: serde_json::Value = dlq
        .next_timeout(Some(WAIT))
        .await
        .unwrap()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(dead["original_queue"], "emails");
    assert_eq!(dead["original_connection"], "default");
    assert_eq!(dead["failure_message"], "second");
    assert_eq!(dead["failure_exception"], "RuntimeError");
    assert_eq!(dead["payload"]["data"]["n"], 1);
    assert!(dead["failed_at"].as_f64().unwrap() > 0.0);
    let size = q.size().await.unwrap();
    assert_eq!(
        (size.ready, size.reserved, size.failed),
        (0, 0, 1),
        "a failed job is not also left in the queue"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn backoff_list_delays_each_retry() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let opts = PushOptions {
        max_tries: Some(3),
        backoff: Some(Backoff::List(vec![1.0, 2.0])),
        ..Default::default()
    };
    q.push("Backoff", json!(null), &opts).await.unwrap();
    let w = worker(&nc, &["default"]).await;
    let mut job = next_job(&w, WAIT).await.unwrap();
    for (attempt, expected) in [(1, 1.0), (2, 2.0)] {
        assert_eq!(job.attempts(), attempt);
        let failed_at = Instant::now();
        let event = w.finish(job, boom("again")).await.unwrap();
        assert!(
            matches!(event, JobEvent::Retrying { delay, .. } if delay == expected),
            "{event:?}"
        );
        assert_eq!(q.size().await.unwrap().delayed, 1);
        job = next_job(&w, Duration::from_secs_f64(expected + 3.0))
            .await
            .expect("retried");
        let waited = failed_at.elapsed().as_secs_f64();
        assert!(
            waited >= expected - 0.05,
            "retry after {waited:.2} s, backoff {expected} s"
        );
    }
    assert_eq!(job.attempts(), 3);
    assert!(matches!(
        w.finish(job, Outcome::Success).await.unwrap(),
        JobEvent::Processed { .. }
    ));
}
