//! Metrics after a known workload: counters and histogram counts show exactly what was done,
//! and the Prometheus text carries the same numbers.

mod common;

use std::time::{Duration, Instant};

use natskit::queue::{Outcome, PushOptions, Step, Worker, WorkerOptions};
use serde_json::json;

const N: u64 = 5;
const K: u64 = 2;

#[tokio::test(flavor = "multi_thread")]
async fn a_known_workload_shows_exactly_in_counters_histograms_and_text() {
    let srv = common::server();
    let nc = common::client(&srv).await;
    let q = nc.queue("metered").unwrap();
    for i in 0..N {
        q.push("Send", json!(i), &PushOptions::default())
            .await
            .unwrap();
    }
    let once = PushOptions {
        max_tries: Some(1),
        ..Default::default()
    };
    for i in 0..K {
        q.push("Boom", json!(i), &once).await.unwrap();
    }
    q.push("Later", json!(0), &PushOptions::default())
        .await
        .unwrap();

    let options = WorkerOptions {
        queues: vec!["metered".into()],
        sleep: 0.1,
        ..Default::default()
    };
    let w = Worker::new(&nc, "default", options).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut finished = 0;
    while finished < N + K + 1 {
        assert!(Instant::now() < deadline, "only {finished} jobs finished");
        let Step::Job(job) = w.next(Duration::from_millis(200)).await.unwrap() else {
            continue;
        };
        let outcome = match job.name() {
            "Send" => Outcome::Success,
            "Later" => Outcome::Delete,
            _ => Outcome::Error {
                exception: "RuntimeError".into(),
                message: "boom".into(),
                trace: String::new(),
            },
        };
        w.finish(job, outcome).await.unwrap();
        finished += 1;
    }

    let m = nc.metrics_snapshot().await.unwrap();
    let job = |name: &str| m.jobs.iter().find(|j| j.job == name).unwrap().clone();
    let (send, boom, later) = (job("Send"), job("Boom"), job("Later"));
    assert_eq!((send.pushed, send.processed, send.failed), (N, N, 0));
    assert_eq!((boom.pushed, boom.processed, boom.failed), (K, 0, K));
    assert_eq!((later.pushed, later.deleted), (1, 1));
    assert_eq!((send.duration.count, send.wait.count), (N, N));
    assert_eq!((boom.duration.count, boom.wait.count), (K, K));
    assert_eq!(
        send.duration.buckets.last().unwrap().count,
        N,
        "every run under 60 s"
    );
    assert_eq!(m.connection.state, "connected");
    assert!(m.connection.rtt_seconds.unwrap() > 0.0);
    assert!(m.connection.sent_messages >= N + K + 1);
    assert!(m.jetstream.publish_acks >= N + K + 1);
    assert_eq!(m.jetstream.publish_errors, 0);
    let gauges = m.queues.iter().find(|g| g.queue == "metered").unwrap();
    assert_eq!((gauges.ready, gauges.delayed, gauges.failed), (0, 0, K));

    let text = nc.metrics().await.unwrap();
    let labels = "messaging_system=\"nats\",messaging_destination_name=\"metered\"";
    for line in [
        format!("natskit_queue_jobs_pushed_total{{{labels},job_name=\"Send\"}} {N}"),
        format!("natskit_queue_jobs_processed_total{{{labels},job_name=\"Send\"}} {N}"),
        format!("natskit_queue_jobs_failed_total{{{labels},job_name=\"Boom\"}} {K}"),
        format!("natskit_queue_jobs_deleted_total{{{labels},job_name=\"Later\"}} 1"),
        format!("messaging_process_duration_seconds_count{{{labels},job_name=\"Send\"}} {N}"),
        format!(
            "natskit_queue_job_wait_seconds_bucket{{{labels},job_name=\"Boom\",le=\"+Inf\"}} {K}"
        ),
        format!("natskit_queue_failed_jobs{{{labels}}} {K}"),
        "nats_client_connection_state{messaging_system=\"nats\",state=\"connected\"} 1".into(),
        "nats_jetstream_publish_errors_total{messaging_system=\"nats\"} 0".into(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }

    nc.record_metrics(false);
    q.push("Send", json!(0), &PushOptions::default())
        .await
        .unwrap();
    let off = nc.metrics_snapshot().await.unwrap();
    let send = off.jobs.iter().find(|j| j.job == "Send").unwrap();
    assert_eq!(send.pushed, N, "nothing recorded while off");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_gone_shows_in_the_state_without_stalling_the_scrape() {
    let srv = common::server();
    let nc = common::client(&srv).await;
    nc.queue("metered").unwrap();
    srv.stop();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(5);
    let m = loop {
        let m = nc.metrics_snapshot().await.unwrap();
        if m.connection.state != "connected" || Instant::now() > deadline {
            break m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(m.connection.state, "disconnected");
    assert_eq!(m.connection.rtt_seconds, None);
    assert!(m.queues.is_empty(), "no gauges without a server");
    assert!(started.elapsed() < Duration::from_secs(5));
}
