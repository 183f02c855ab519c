//! JetStream publishing through a 2 s server outage (SIGKILL, then a restart on the same port
//! and store): every acknowledged publish is stored, and publishing resumes as soon as the
//! connection does (within 1.5 s of the server), one at a time and pipelined.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use natskit::jetstream::{Context, PublishOptions};
use natskit::{Client, ConnectionConfig};
use serde_json::json;

/// How soon after the server is back publishing must go on.
const RESUME: Duration = Duration::from_millis(1500);

/// Publishes in a background task, recording which messages were acknowledged and when.
#[derive(Default)]
struct Progress {
    acked: Mutex<Vec<u64>>,
    at: Mutex<Vec<Instant>>,
}

impl Progress {
    fn record(&self, numbers: impl IntoIterator<Item = u64>) {
        self.acked.lock().unwrap().extend(numbers);
        self.at.lock().unwrap().push(Instant::now());
    }

    /// The first acknowledgement after `since`.
    fn first_after(&self, since: Instant) -> Option<Instant> {
        self.at.lock().unwrap().iter().copied().find(|t| *t > since)
    }
}

fn options(n: u64) -> PublishOptions {
    PublishOptions {
        msg_id: Some(n.to_string()),
        ..Default::default()
    }
}

/// One publish at a time, each waiting for its ack.
async fn one_at_a_time(js: Context, progress: Arc<Progress>, stop: Arc<AtomicBool>) {
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if js
            .publish(&format!("out.{n}"), "x", &options(n))
            .await
            .is_ok()
        {
            progress.record([n]);
        }
    }
}

/// Rounds of 100 publishes through a window of 32 acks, each round then waited for.
async fn pipelined(js: Context, progress: Arc<Progress>, stop: Arc<AtomicBool>) {
    let publisher = js.publisher(32).unwrap();
    let mut next = 0;
    while !stop.load(Ordering::SeqCst) {
        let round = next..next + 100;
        next = round.end;
        let mut sent = true;
        for n in round.clone() {
            if publisher
                .publish(&format!("out.{n}"), "x", &options(n))
                .await
                .is_err()
            {
                sent = false;
                break;
            }
        }
        if publisher.wait().await.is_ok() && sent {
            progress.record(round);
        }
    }
}

/// Kills the server for 2 s under load; returns how long publishing took to resume.
async fn outage(pipelined_publisher: bool) -> Duration {
    let mut srv = common::server();
    let config = r#"{"reconnect": {"delay": 0.05, "max_delay": 0.25, "jitter": 0}}"#;
    let mut config = ConnectionConfig::from_json(config).unwrap();
    config.servers = vec![srv.url()];
    let nc = Client::connect(&config).await.unwrap();
    let js = nc.jetstream();
    js.create_stream(&json!({"name": "OUT", "subjects": ["out.>"], "storage": "file"}))
        .await
        .unwrap();

    let progress = Arc::new(Progress::default());
    let stop = Arc::new(AtomicBool::new(false));
    let publishing = match pipelined_publisher {
        true => tokio::spawn(pipelined(js.clone(), progress.clone(), stop.clone())),
        false => tokio::spawn(one_at_a_time(js.clone(), progress.clone(), stop.clone())),
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    srv.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    srv.start_again().unwrap();
    let back = Instant::now();
    let resumed = loop {
        if let Some(t) = progress.first_after(back) {
            break t - back;
        }
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "publishing never resumed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    publishing.await.unwrap();

    let info = js
        .api("STREAM.INFO.OUT", &json!({ "subjects_filter": "out.>" }))
        .await
        .unwrap();
    let stored: HashSet<&str> = info["state"]["subjects"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let acked = progress.acked.lock().unwrap().clone();
    let lost = acked
        .iter()
        .filter(|n| !stored.contains(format!("out.{n}").as_str()))
        .count();
    eprintln!(
        "resumed {resumed:?} after the server; {} acked, {lost} lost",
        acked.len()
    );
    assert_eq!(lost, 0, "acknowledged publishes missing after the restart");
    resumed
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_one_at_a_time_survives_a_restart() {
    let resumed = outage(false).await;
    assert!(resumed < RESUME, "resumed {resumed:?} after the server");
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelined_publishing_survives_a_restart() {
    let resumed = outage(true).await;
    assert!(resumed < RESUME, "resumed {resumed:?} after the server");
}
