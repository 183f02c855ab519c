//! Ordered consumers, push consumer consumption and idle heartbeats of `consume()`, against a
//! real nats-server (restarted or killed where the test says so).

mod common;

use std::time::{Duration, Instant};

use common::{client, server};
use natskit::jetstream::{
    ConsumeOptions, Context, Messages, OrderedOptions, PublishOptions, Start,
};
use natskit::ErrorCode;
use serde_json::json;

async fn publish(js: &Context, subject: &str, from: usize, to: usize) {
    let publisher = js.publisher(256).unwrap();
    for i in from..to {
        publisher
            .publish(subject, format!("m{i}"), &PublishOptions::default())
            .await
            .unwrap();
    }
    let summary = publisher.wait().await.unwrap();
    assert_eq!(summary.acked, (to - from) as u64, "{summary:?}");
}

async fn next(messages: &mut Messages) -> natskit::jetstream::JsMessage {
    messages
        .next(Some(Duration::from_secs(10)))
        .await
        .unwrap()
        .expect("a message within 10 s")
}

async fn reconnected(nc: &natskit::Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while nc.stats().reconnects == 0 {
        assert!(Instant::now() < deadline, "did not reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ordered_reads_10k_in_order_across_a_server_restart() {
    let mut srv = server();
    let nc = client(&srv).await;
    let js = nc.jetstream();
    js.create_stream(&json!({"name": "O", "subjects": ["o.>"], "storage": "file"}))
        .await
        .unwrap();
    publish(&js, "o.x", 0, 5_000).await;
    let options = OrderedOptions {
        heartbeat: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let mut messages = js.ordered("O", &options).await.unwrap();
    for i in 0..2_500u64 {
        let m = next(&mut messages).await;
        assert_eq!(m.metadata().stream_seq, i + 1);
    }
    srv.start_again().unwrap();
    reconnected(&nc).await;
    publish(&js, "o.y", 5_000, 10_000).await;
    for i in 2_500..10_000u64 {
        let m = messages.next(Some(Duration::from_secs(10))).await.unwrap();
        let m = m.unwrap_or_else(|| panic!("no message {i} within 10 s"));
        assert_eq!(m.metadata().stream_seq, i + 1, "no gap, no duplicate");
        assert_eq!(m.data(), format!("m{i}").as_bytes());
    }
    assert!(messages
        .next(Some(Duration::from_millis(500)))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn ordered_starts_where_told_and_filters_subjects() {
    let srv = server();
    let js = client(&srv).await.jetstream();
    js.create_stream(&json!({"name": "P", "subjects": ["p.*"], "storage": "memory"}))
        .await
        .unwrap();
    let before = time::OffsetDateTime::now_utc();
    for subject in ["p.a", "p.b", "p.a", "p.b"] {
        js.publish(subject, "x", &PublishOptions::default())
            .await
            .unwrap();
    }
    let read = |start: Start, filter: &[&str]| {
        let js = js.clone();
        let options = OrderedOptions {
            start,
            filter_subjects: filter.iter().map(|s| s.to_string()).collect(),
            heartbeat: None,
        };
        async move {
            let mut messages = js.ordered("P", &options).await.unwrap();
            let mut seqs = Vec::new();
            while let Some(m) = messages
                .next(Some(Duration::from_millis(300)))
                .await
                .unwrap()
            {
                seqs.push(m.metadata().stream_seq);
            }
            seqs
        }
    };
    assert_eq!(read(Start::All, &[]).await, [1, 2, 3, 4]);
    assert_eq!(read(Start::All, &["p.a"]).await, [1, 3]);
    assert_eq!(read(Start::Sequence(3), &[]).await, [3, 4]);
    assert_eq!(read(Start::Last, &[]).await, [4]);
    assert_eq!(read(Start::LastPerSubject, &["p.*"]).await, [3, 4]);
    assert_eq!(read(Start::New, &[]).await, Vec::<u64>::new());
    assert_eq!(read(Start::Time(before), &["p.b"]).await, [2, 4]);
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    assert_eq!(read(Start::Time(later), &[]).await, Vec::<u64>::new());
    let err = js
        .ordered("NOPE", &OrderedOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn consume_reports_a_deleted_consumer_and_a_dead_server_within_its_heartbeats_then_resumes() {
    let mut srv = server();
    let nc = client(&srv).await;
    let js = nc.jetstream();
    js.create_stream(&json!({"name": "H", "subjects": ["h"], "storage": "file"}))
        .await
        .unwrap();
    for name in ["a", "b"] {
        js.create_consumer(
            "H",
            &json!({"durable_name": name, "ack_policy": "explicit"}),
        )
        .await
        .unwrap();
    }
    let options = ConsumeOptions {
        heartbeat: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let mut messages = js.consume("H", "a", &options).await.unwrap();
    assert!(messages
        .next(Some(Duration::from_millis(800)))
        .await
        .unwrap()
        .is_none());
    js.delete_consumer("H", "a").await.unwrap();
    let started = Instant::now();
    let err = messages.next(None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let mut messages = js.consume("H", "b", &options).await.unwrap();
    assert!(messages
        .next(Some(Duration::from_millis(800)))
        .await
        .unwrap()
        .is_none());
    srv.kill();
    let started = Instant::now();
    let err = messages.next(None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(err.to_string().contains("heartbeat"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The server comes back: the same consume goes on.
    srv.start_again().unwrap();
    reconnected(&nc).await;
    publish(&js, "h", 0, 1).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let back = loop {
        match messages.next(Some(Duration::from_secs(1))).await {
            Ok(Some(m)) => break m,
            Ok(None) | Err(_) => assert!(Instant::now() < deadline, "consume did not resume"),
        }
    };
    assert_eq!(back.data(), b"m0");
    back.double_ack().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_consumer_is_consumed_with_acks_flow_control_and_heartbeats() {
    let srv = server();
    let js = client(&srv).await.jetstream();
    js.create_stream(&json!({"name": "PU", "subjects": ["pu"], "storage": "memory"}))
        .await
        .unwrap();
    js.create_consumer(
        "PU",
        &json!({"durable_name": "push", "deliver_subject": "deliver.pu", "deliver_group": "g",
                "ack_policy": "explicit", "flow_control": true, "idle_heartbeat": 500_000_000u64}),
    )
    .await
    .unwrap();
    publish(&js, "pu", 0, 1_000).await;
    let mut messages = js
        .consume("PU", "push", &ConsumeOptions::default())
        .await
        .unwrap();
    // First deliveries come in order; the nak'd first message comes again among them.
    let (mut first, mut redelivered) = (0u64, false);
    while first < 1_000 || !redelivered {
        let m = next(&mut messages).await;
        if m.metadata().delivered == 2 {
            assert_eq!(m.metadata().stream_seq, 1);
            m.double_ack().await.unwrap();
            redelivered = true;
            continue;
        }
        first += 1;
        assert_eq!(m.metadata().stream_seq, first);
        match first {
            1 => m.nak(None).await.unwrap(),
            2 => m.term(Some("bad")).await.unwrap(),
            3 => {
                m.in_progress().await.unwrap();
                m.ack().await.unwrap()
            }
            _ => m.ack().await.unwrap(),
        }
    }
    // Idle for longer than two heartbeats: the server's heartbeats keep it healthy.
    assert!(messages
        .next(Some(Duration::from_millis(1_500)))
        .await
        .unwrap()
        .is_none());
    let info = js.consumer_info("PU", "push").await.unwrap();
    assert_eq!(info["num_ack_pending"], 0, "{info}");
    assert_eq!(info["num_pending"], 0, "{info}");
}
