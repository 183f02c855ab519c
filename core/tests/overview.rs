//! The dashboard's overview against a real nats-server: after a known workload it shows the
//! streams and consumers, every queue's numbers, its finished deliveries, the job waiting
//! longest and the newest failed jobs.

mod common;

use std::time::{Duration, Instant};

use natskit::overview::{overview, Overview, OverviewOptions};
use natskit::queue::{FailedJobs, Outcome, PushOptions, Step, Worker, WorkerOptions};
use natskit::{Client, ConnectionConfig, LocalServer, ServerOptions};
use serde_json::json;

async fn connect(srv: &LocalServer) -> Client {
    let mut config = ConnectionConfig::for_url(&srv.url());
    config.queue.retry_after = 5.0;
    Client::connect(&config).await.unwrap()
}

/// Overviews until `done` holds (the server updates consumer counters just after acks).
async fn settled(
    nc: &Client,
    options: &OverviewOptions,
    done: impl Fn(&Overview) -> bool,
) -> Overview {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let view = overview(nc, options).await.unwrap();
        if done(&view) || Instant::now() > deadline {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn overview_shows_streams_queues_finished_jobs_and_failures() {
    let srv = common::server();
    let nc = connect(&srv).await;
    let js = nc.jetstream();
    js.create_stream(&json!({ "name": "ORDERS", "subjects": ["orders.>"] }))
        .await
        .unwrap();
    js.create_consumer(
        "ORDERS",
        &json!({ "durable_name": "billing", "ack_policy": "explicit" }),
    )
    .await
    .unwrap();
    for i in 0..3 {
        js.publish("orders.new", json!(i).to_string(), &Default::default())
            .await
            .unwrap();
    }

    let started = natskit::queue::now();
    let mail = nc.queue("mail").unwrap();
    let mut pushed = Vec::new();
    for i in 0..4 {
        let id = mail
            .push("SendMail", json!(i), &PushOptions::default())
            .await
            .unwrap();
        pushed.push(id.unwrap());
    }
    mail.push(
        "SendMail",
        json!("later"),
        &PushOptions {
            delay: Some(3600.0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let worker = Worker::new(
        &nc,
        "default",
        WorkerOptions {
            queues: vec!["mail".into()],
            sleep: 0.5,
            tries: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let mut taken = Vec::new();
    while taken.len() < 3 {
        if let Step::Job(job) = worker.next(Duration::from_secs(2)).await.unwrap() {
            taken.push(job);
        }
    }
    let waiting: Vec<&String> = pushed
        .iter()
        .filter(|id| taken.iter().all(|job| job.id() != id.as_str()))
        .collect();
    assert_eq!(waiting.len(), 1);
    let waiting = waiting[0].clone();
    let reserved = taken.pop().unwrap();
    let failing = taken.pop().unwrap();
    let failed_id = failing.id().to_string();
    worker
        .finish(
            failing,
            Outcome::Error {
                exception: "SmtpError".into(),
                message: "mailbox full".into(),
                trace: String::new(),
            },
        )
        .await
        .unwrap();
    worker
        .finish(taken.pop().unwrap(), Outcome::Success)
        .await
        .unwrap();

    let options = OverviewOptions {
        connection: "default".into(),
        recent_failed: 10,
        failed_since: started,
    };
    let view = settled(&nc, &options, |v| {
        v.queues
            .first()
            .is_some_and(|q| q.activity.finished == 2 && q.activity.size.reserved == 1)
    })
    .await;

    assert_eq!(view.connection.state, "connected");
    assert!(view.connection.server.jetstream);
    assert_eq!(view.connection.server.port, srv.port());
    assert!(view.connection.rtt > 0.0 && view.connection.rtt < 1.0);
    assert!(view.jetstream.is_some());

    let orders = view
        .streams
        .iter()
        .find(|s| s.name == "ORDERS")
        .expect("ORDERS listed");
    assert_eq!(
        (orders.messages, orders.first_seq, orders.last_seq),
        (3, 1, 3)
    );
    assert_eq!(orders.subjects, ["orders.>"]);
    assert_eq!(orders.consumers.len(), 1);
    assert_eq!(
        (
            orders.consumers[0].name.as_str(),
            orders.consumers[0].pending
        ),
        ("billing", 3)
    );

    for _ in 0..3 {
        FailedJobs::of(&nc).list(None).await.unwrap();
    }
    assert_eq!(
        js.consumer_names("KV_natskit_failed").await.unwrap(),
        Vec::<String>::new(),
        "listing failed jobs makes no consumer"
    );

    assert_eq!(view.queues.len(), 1);
    let q = &view.queues[0];
    assert_eq!(q.name, "mail");
    let s = q.activity.size;
    assert_eq!(
        (s.ready, s.reserved, s.delayed, s.failed),
        (1, 1, 1, 1),
        "ready, reserved, delayed, failed"
    );
    assert_eq!(q.activity.finished, 2, "one done, one failed");
    assert_eq!(q.failed_since, 1);
    let oldest = q.activity.oldest.as_ref().expect("a job waits");
    assert_eq!(
        (oldest.id.as_str(), oldest.job.as_str(), oldest.attempts),
        (waiting.as_str(), "SendMail", 0)
    );
    assert!(oldest.age >= 0.0 && oldest.age < 30.0 && oldest.age == s.oldest_age);

    assert_eq!(view.failed_total, 1);
    assert_eq!(view.failed[0].id, failed_id);
    assert_eq!(
        (
            view.failed[0].exception.as_str(),
            view.failed[0].message.as_str()
        ),
        ("SmtpError", "mailbox full")
    );

    let later = OverviewOptions {
        failed_since: natskit::queue::now() + 1.0,
        ..options
    };
    assert_eq!(
        overview(&nc, &later).await.unwrap().queues[0].failed_since,
        0
    );
    worker.finish(reserved, Outcome::Success).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_jetstream_the_overview_is_the_connection_alone() {
    let srv = LocalServer::with_options(ServerOptions::default()).unwrap();
    let nc = common::client(&srv).await;
    let view = overview(&nc, &OverviewOptions::default()).await.unwrap();
    assert!(!view.connection.server.jetstream);
    assert!(view.jetstream.is_none());
    assert!(view.streams.is_empty() && view.queues.is_empty() && view.failed.is_empty());
}
