//! JetStream against a real nats-server: streams, consumers, messages, pulls and acks,
//! publish with ack, KV, and a server without JetStream.

mod common;

use std::time::{Duration, Instant};

use common::{client, server};
use natskit::jetstream::{
    Context, FetchOptions, Kv, KvConfig, KvEntry, KvOperation, KvWatch, KvWatchOptions,
    PublishOptions, PurgeOptions,
};
use natskit::{ErrorCode, Headers, LocalServer, ServerOptions};
use serde_json::{json, Value};

const NS: u64 = 1_000_000_000;

fn wait(ms: u64) -> FetchOptions {
    FetchOptions {
        timeout: Some(Duration::from_millis(ms)),
        no_wait: false,
    }
}

fn no_wait() -> FetchOptions {
    FetchOptions {
        timeout: Some(Duration::from_secs(1)),
        no_wait: true,
    }
}

async fn js(srv: &LocalServer) -> Context {
    client(srv).await.jetstream()
}

async fn stream(js: &Context, name: &str, subjects: &[&str]) {
    js.create_stream(&json!({"name": name, "subjects": subjects, "storage": "memory"}))
        .await
        .unwrap();
}

async fn publish_n(js: &Context, subject: &str, n: usize) {
    for i in 0..n {
        js.publish(subject, format!("m{i}"), &PublishOptions::default())
            .await
            .unwrap();
    }
}

async fn pull_consumer(js: &Context, stream: &str, name: &str, ack_wait_ms: u64) {
    js.create_consumer(
        stream,
        &json!({"durable_name": name, "ack_policy": "explicit", "ack_wait": ack_wait_ms * 1_000_000}),
    )
    .await
    .unwrap();
}

async fn consumer_counter(js: &Context, stream: &str, name: &str, field: &str) -> u64 {
    let info = js.consumer_info(stream, name).await.unwrap();
    info[field].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_config_round_trips_and_state_counts() {
    let srv = server();
    let js = js(&srv).await;
    let config = json!({
        "name": "ORDERS",
        "subjects": ["orders.>"],
        "description": "all orders",
        "retention": "limits",
        "storage": "memory",
        "max_msgs": 100,
        "max_bytes": 1048576,
        "max_age": 60 * NS,
        "max_msg_size": 1024,
        "discard": "new",
        "num_replicas": 1,
        "duplicate_window": 30 * NS,
        "allow_msg_ttl": true,
    });
    let info = js.create_stream(&config).await.unwrap();
    for key in config.as_object().unwrap().keys() {
        assert_eq!(info["config"][key], config[key], "config field {key}");
    }
    let mut changed = config.clone();
    changed["max_msgs"] = json!(200);
    changed["description"] = json!("changed");
    let info = js.update_stream(&changed).await.unwrap();
    assert_eq!(info["config"]["max_msgs"], 200);
    assert_eq!(info["config"]["description"], "changed");

    publish_n(&js, "orders.new", 3).await;
    pull_consumer(&js, "ORDERS", "worker", 30_000).await;
    let info = js.stream_info("ORDERS").await.unwrap();
    assert_eq!(info["config"]["max_age"], 60 * NS);
    assert_eq!(info["state"]["messages"], 3);
    assert_eq!(info["state"]["first_seq"], 1);
    assert_eq!(info["state"]["last_seq"], 3);
    assert_eq!(info["state"]["consumer_count"], 1);
    assert!(info["state"]["bytes"].as_u64().unwrap() > 0);

    let clash = json!({"name": "ORDERS", "subjects": ["other"]});
    let err = js.create_stream(&clash).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::JetStream);
    assert_eq!(err.server_code(), Some(10058));

    js.delete_stream("ORDERS").await.unwrap();
    let err = js.stream_info("ORDERS").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(err.server_code(), Some(10059));
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_list_pages_past_the_server_limit() {
    let srv = server();
    let js = js(&srv).await;
    let creates = (0..260).map(|i| {
        let js = js.clone();
        async move { stream(&js, &format!("S{i:03}"), &[&format!("s.{i}")]).await }
    });
    futures::future::join_all(creates).await;

    let first = js.list_streams(0, None).await.unwrap();
    assert_eq!(first.total, 260);
    assert_eq!(first.offset, 0);
    assert!(first.limit > 0 && first.limit < 260);
    assert_eq!(first.items.len() as u64, first.limit);
    let rest = js.list_streams(first.limit, None).await.unwrap();
    assert_eq!(rest.offset, first.limit);
    assert_eq!(first.items.len() + rest.items.len(), 260);
    assert!(rest.items[0]["config"]["name"].is_string());

    let names = js.stream_names(None).await.unwrap();
    assert_eq!(names.len(), 260);
    let only = js.stream_names(Some("s.7")).await.unwrap();
    assert_eq!(only, vec!["S007".to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_whole_by_subject_and_keep() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "P", &["p.*"]).await;
    publish_n(&js, "p.a", 5).await;
    publish_n(&js, "p.b", 5).await;
    let by_subject = PurgeOptions {
        subject: Some("p.a".into()),
        ..Default::default()
    };
    assert_eq!(js.purge_stream("P", &by_subject).await.unwrap(), 5);
    let keep = PurgeOptions {
        keep: Some(2),
        ..Default::default()
    };
    assert_eq!(js.purge_stream("P", &keep).await.unwrap(), 3);
    assert_eq!(js.stream_info("P").await.unwrap()["state"]["messages"], 2);
    assert_eq!(
        js.purge_stream("P", &PurgeOptions::default())
            .await
            .unwrap(),
        2
    );
    assert_eq!(js.stream_info("P").await.unwrap()["state"]["messages"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_by_sequence_and_subject_and_delete() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "M", &["m.*"]).await;
    let mut headers = Headers::new();
    headers.append("X-Kind", "first");
    let opts = PublishOptions {
        headers: Some(headers),
        ..Default::default()
    };
    js.publish("m.a", "one", &opts).await.unwrap();
    js.publish("m.b", "two", &PublishOptions::default())
        .await
        .unwrap();
    js.publish("m.a", "three", &PublishOptions::default())
        .await
        .unwrap();

    let first = js.get_message("M", 1).await.unwrap();
    assert_eq!(first.subject, "m.a");
    assert_eq!(first.sequence, 1);
    assert_eq!(&first.payload[..], b"one");
    assert_eq!(first.headers.get("x-kind"), Some("first"));
    let last = js.get_last_message("M", "m.a").await.unwrap();
    assert_eq!(last.sequence, 3);
    assert_eq!(&last.payload[..], b"three");

    js.delete_message("M", 2).await.unwrap();
    let err = js.get_message("M", 2).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(js.stream_info("M").await.unwrap()["state"]["messages"], 2);
    let err = js.get_message("NOPE", 1).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(err.server_code(), Some(10059));
}

#[tokio::test(flavor = "multi_thread")]
async fn consumer_config_round_trips_lists_pauses_and_deletes() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "C", &["c.*"]).await;
    let config = json!({
        "durable_name": "full",
        "description": "every field",
        "filter_subjects": ["c.a", "c.b"],
        "deliver_policy": "by_start_sequence",
        "opt_start_seq": 2,
        "ack_policy": "explicit",
        "ack_wait": NS,
        "max_deliver": 5,
        "backoff": [NS, 2 * NS],
        "max_ack_pending": 100,
        "replay_policy": "instant",
        "inactive_threshold": 60 * NS,
    });
    let info = js.create_consumer("C", &config).await.unwrap();
    for key in config.as_object().unwrap().keys() {
        assert_eq!(info["config"][key], config[key], "config field {key}");
    }
    let mut changed = config.clone();
    changed["description"] = json!("changed");
    changed["max_ack_pending"] = json!(50);
    let info = js.update_consumer("C", &changed).await.unwrap();
    assert_eq!(info["config"]["description"], "changed");
    assert_eq!(info["config"]["max_ack_pending"], 50);
    let missing = json!({"durable_name": "ghost", "ack_policy": "explicit"});
    let err = js.update_consumer("C", &missing).await.unwrap_err();
    assert_eq!(
        (err.code(), err.server_code()),
        (ErrorCode::JetStream, Some(10149))
    );

    for name in ["a", "b"] {
        pull_consumer(&js, "C", name, 30_000).await;
    }
    let page = js.list_consumers("C", 0).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items.len(), 3);
    let mut names = js.consumer_names("C").await.unwrap();
    names.sort();
    assert_eq!(names, ["a", "b", "full"]);

    let until = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let paused = js.pause_consumer("C", "a", until).await.unwrap();
    assert!(paused.paused);
    assert_eq!(js.consumer_info("C", "a").await.unwrap()["paused"], true);
    let resumed = js.resume_consumer("C", "a").await.unwrap();
    assert!(!resumed.paused);

    js.delete_consumer("C", "a").await.unwrap();
    let err = js.consumer_info("C", "a").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(err.server_code(), Some(10014));
}

#[tokio::test(flavor = "multi_thread")]
async fn counters_follow_publishes_and_acks() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "N", &["n"]).await;
    publish_n(&js, "n", 10).await;
    pull_consumer(&js, "N", "w", 30_000).await;
    assert_eq!(consumer_counter(&js, "N", "w", "num_pending").await, 10);

    let batch = js.fetch("N", "w", 4, &wait(1000)).await.unwrap();
    assert_eq!(batch.len(), 4);
    for m in &batch[..3] {
        m.double_ack().await.unwrap();
    }
    let info = js.consumer_info("N", "w").await.unwrap();
    assert_eq!(info["num_pending"], 6);
    assert_eq!(info["num_ack_pending"], 1);
    assert_eq!(info["num_redelivered"], 0);
    assert_eq!(info["delivered"]["stream_seq"], 4);
    assert_eq!(info["ack_floor"]["stream_seq"], 3);

    batch[3].nak(None).await.unwrap();
    // A fetch returns what is available; the nak'd message may come in a later one.
    let mut rest = Vec::new();
    while rest.len() < 7 {
        let more = js
            .fetch("N", "w", 7 - rest.len(), &wait(2000))
            .await
            .unwrap();
        assert!(
            !more.is_empty(),
            "no message within 2 s, {} of 7",
            rest.len()
        );
        rest.extend(more);
    }
    assert_eq!(rest.len(), 7);
    let again = rest.iter().find(|m| m.metadata().stream_seq == 4).unwrap();
    assert_eq!(again.metadata().delivered, 2);
    for m in &rest {
        m.double_ack().await.unwrap();
    }
    let info = js.consumer_info("N", "w").await.unwrap();
    assert_eq!(info["num_pending"], 0);
    assert_eq!(info["num_ack_pending"], 0);
    assert_eq!(info["ack_floor"]["stream_seq"], 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_takes_what_is_there_or_waits_for_the_first() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "W", &["w"]).await;
    publish_n(&js, "w", 3).await;
    pull_consumer(&js, "W", "c", 30_000).await;
    // Three of ten are there: they come back without the 60 s wait for the other seven.
    let three = tokio::time::timeout(
        Duration::from_secs(20),
        js.fetch("W", "c", 10, &wait(60_000)),
    )
    .await
    .expect("fetch waited for messages that were not there")
    .unwrap();
    assert_eq!(three.len(), 3);

    // None there: the fetch waits for the first, published while it waits.
    let later = {
        let js = js.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            publish_n(&js, "w", 2).await;
        })
    };
    let waited = js.fetch("W", "c", 10, &wait(10_000)).await.unwrap();
    later.await.unwrap();
    assert!(!waited.is_empty() && waited.len() <= 2, "{}", waited.len());
    assert!(waited[0].payload().starts_with(b"m"));
    let info = js.consumer_info("W", "c").await.unwrap();
    assert_eq!(
        info["num_waiting"], 0,
        "a pull was left waiting on the server"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_returns_messages_with_metadata() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "F", &["f.*"]).await;
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(5);
    publish_n(&js, "f.x", 3).await;
    pull_consumer(&js, "F", "meta", 30_000).await;
    let batch = js.fetch("F", "meta", 10, &no_wait()).await.unwrap();
    assert_eq!(batch.len(), 3);
    for (i, m) in batch.iter().enumerate() {
        let md = m.metadata();
        assert_eq!(m.subject(), "f.x");
        assert_eq!(m.data(), format!("m{i}").as_bytes());
        assert_eq!(md.stream, "F");
        assert_eq!(md.consumer, "meta");
        assert_eq!(md.stream_seq, i as u64 + 1);
        assert_eq!(md.consumer_seq, i as u64 + 1);
        assert_eq!(md.delivered, 1);
        assert_eq!(md.pending, 2 - i as u64);
        assert!(md.timestamp > before);
        m.ack().await.unwrap();
    }
    let json = serde_json::to_value(batch[0].metadata()).unwrap();
    assert_eq!(json["stream_seq"], 1);
    assert!(json["timestamp"].is_string());
    assert!(js
        .fetch("F", "meta", 10, &no_wait())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn continuous_consume_delivers_in_order() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "CC", &["cc"]).await;
    pull_consumer(&js, "CC", "w", 30_000).await;
    publish_n(&js, "cc", 5).await;
    let consumer = js.pull_consumer("CC", "w").await.unwrap();
    let options = natskit::jetstream::ConsumeOptions {
        batch: 2,
        expires: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let mut messages = consumer.messages(&options).await.unwrap();
    for i in 0..5 {
        let m = messages
            .next(Some(Duration::from_secs(5)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.metadata().stream_seq, i + 1);
        m.ack().await.unwrap();
    }
    assert!(messages
        .next(Some(Duration::from_millis(200)))
        .await
        .unwrap()
        .is_none());
    // A stop from elsewhere ends a next that would wait forever.
    let control = messages.control();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        control.stop();
    });
    let started = Instant::now();
    assert_eq!(
        messages.next(None).await.unwrap_err().code(),
        ErrorCode::Closed
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        messages.next(None).await.unwrap_err().code(),
        ErrorCode::Closed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nak_with_delay_is_not_redelivered_before_the_delay() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "D", &["d"]).await;
    publish_n(&js, "d", 1).await;
    pull_consumer(&js, "D", "w", 30_000).await;
    let m = js.fetch_next("D", "w", &wait(1000)).await.unwrap().unwrap();
    let delay = Duration::from_millis(1500);
    let nak_at = Instant::now();
    m.nak(Some(delay)).await.unwrap();
    assert!(js.fetch_next("D", "w", &no_wait()).await.unwrap().is_none());
    let again = js
        .fetch_next("D", "w", &wait(5000))
        .await
        .unwrap()
        .expect("redelivered");
    assert!(nak_at.elapsed() >= delay);
    assert_eq!(again.metadata().delivered, 2);
    again.double_ack().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn term_is_never_redelivered() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "T", &["t"]).await;
    publish_n(&js, "t", 1).await;
    pull_consumer(&js, "T", "w", 300).await;
    let m = js.fetch_next("T", "w", &wait(1000)).await.unwrap().unwrap();
    m.term(Some("cannot parse")).await.unwrap();
    assert!(js
        .fetch_next("T", "w", &wait(1000))
        .await
        .unwrap()
        .is_none());
    let info = js.consumer_info("T", "w").await.unwrap();
    assert_eq!(info["num_ack_pending"], 0);
    assert_eq!(info["num_redelivered"], 0);
    assert_eq!(info["num_pending"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn in_progress_extends_the_ack_wait() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "W", &["w"]).await;
    publish_n(&js, "w", 1).await;
    pull_consumer(&js, "W", "w", 2000).await;
    let m = js.fetch_next("W", "w", &wait(1000)).await.unwrap().unwrap();
    for _ in 0..7 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        m.in_progress().await.unwrap();
    }
    assert!(js.fetch_next("W", "w", &no_wait()).await.unwrap().is_none());
    assert_eq!(consumer_counter(&js, "W", "w", "num_redelivered").await, 0);
    m.double_ack().await.unwrap();
    assert_eq!(consumer_counter(&js, "W", "w", "num_ack_pending").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn timed_out_fetch_leaves_no_waiting_pull() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "E", &["e"]).await;
    pull_consumer(&js, "E", "w", 30_000).await;
    let got = js.fetch("E", "w", 5, &wait(300)).await.unwrap();
    assert!(got.is_empty());
    assert_eq!(consumer_counter(&js, "E", "w", "num_waiting").await, 0);
    assert!(js.fetch("E", "w", 5, &no_wait()).await.unwrap().is_empty());
    assert_eq!(consumer_counter(&js, "E", "w", "num_waiting").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_dedups_by_msg_id_and_checks_expectations() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "X", &["x.*"]).await;
    let with_id = PublishOptions {
        msg_id: Some("order-1".into()),
        ..Default::default()
    };
    let first = js.publish("x.a", "one", &with_id).await.unwrap();
    let second = js.publish("x.a", "one", &with_id).await.unwrap();
    assert_eq!(first.stream, "X");
    assert!(!first.duplicate);
    assert!(second.duplicate);
    assert_eq!(second.sequence, first.sequence);
    assert_eq!(js.stream_info("X").await.unwrap()["state"]["messages"], 1);

    let wrong = PublishOptions {
        expected_last_seq: Some(5),
        ..Default::default()
    };
    let err = js.publish("x.a", "two", &wrong).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::JetStream);
    assert_eq!(err.server_code(), Some(10071));
    let right = PublishOptions {
        expected_last_seq: Some(1),
        expected_last_msg_id: Some("order-1".into()),
        expected_stream: Some("X".into()),
        ..Default::default()
    };
    assert_eq!(js.publish("x.a", "two", &right).await.unwrap().sequence, 2);
    let wrong_id = PublishOptions {
        expected_last_msg_id: Some("order-9".into()),
        ..Default::default()
    };
    let err = js.publish("x.a", "three", &wrong_id).await.unwrap_err();
    assert_eq!(err.server_code(), Some(10070));
    let subject_seq = PublishOptions {
        expected_last_subject_seq: Some(0),
        ..Default::default()
    };
    assert_eq!(
        js.publish("x.b", "b", &subject_seq).await.unwrap().sequence,
        3
    );
    let err = js.publish("x.b", "b", &subject_seq).await.unwrap_err();
    assert_eq!(
        (err.code(), err.server_code()),
        (ErrorCode::JetStream, Some(10071))
    );

    let err = js
        .publish("nowhere", "x", &PublishOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoResponders);
}

#[tokio::test(flavor = "multi_thread")]
async fn per_message_ttl_is_sent() {
    let srv = server();
    let js = js(&srv).await;
    js.create_stream(&json!({"name": "TTL", "subjects": ["ttl"], "allow_msg_ttl": true}))
        .await
        .unwrap();
    let opts = PublishOptions {
        ttl: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let ack = js.publish("ttl", "short-lived", &opts).await.unwrap();
    let stored = js.get_message("TTL", ack.sequence).await.unwrap();
    assert_eq!(stored.headers.get("Nats-TTL"), Some("60"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelined_publish_acks_every_message() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "A", &["a"]).await;
    let publisher = js.publisher(16).unwrap();
    for i in 0..300 {
        publisher
            .publish("a", format!("{i}"), &PublishOptions::default())
            .await
            .unwrap();
        assert!(publisher.in_flight() <= 16);
    }
    let summary = publisher.wait().await.unwrap();
    assert_eq!(summary.acked, 300);
    assert_eq!(summary.last_sequence, 300);
    assert_eq!(publisher.in_flight(), 0);
    assert_eq!(js.stream_info("A").await.unwrap()["state"]["messages"], 300);
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_operations_round_trip() {
    let srv = server();
    let js = js(&srv).await;
    let kv = js
        .create_kv(&KvConfig {
            bucket: "config".into(),
            history: 5,
            storage: "memory".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kv.bucket(), "config");
    let clash = KvConfig {
        bucket: "config".into(),
        history: 10,
        storage: "memory".into(),
        ..Default::default()
    };
    let err = js.create_kv(&clash).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::JetStream, "{err}");
    assert_eq!(err.server_code(), Some(10058));
    let mut watch = kv.watch(">", KvWatchOptions::default()).await.unwrap();

    let r1 = kv.put("color", "red").await.unwrap();
    let entry = kv.get("color").await.unwrap().unwrap();
    assert_eq!(&entry.value[..], b"red");
    assert_eq!(entry.revision, r1);
    assert_eq!(entry.operation, KvOperation::Put);

    let err = kv.create("color", "blue").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::JetStream);
    assert_eq!(err.server_code(), Some(10071));
    let r2 = kv.create("size", "L").await.unwrap();
    assert!(r2 > r1);

    let err = kv.update("color", "green", r1 + 100).await.unwrap_err();
    assert_eq!(err.server_code(), Some(10071));
    let r3 = kv.update("color", "green", r1).await.unwrap();
    assert_eq!(&kv.get("color").await.unwrap().unwrap().value[..], b"green");
    let history = kv.history("color").await.unwrap();
    let revisions: Vec<u64> = history.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, vec![r1, r3]);
    assert_eq!(kv.keys().await.unwrap(), ["color", "size"]);

    kv.delete("size").await.unwrap();
    assert!(kv.get("size").await.unwrap().is_none());
    assert_eq!(kv.keys().await.unwrap(), ["color"]);
    kv.purge("color").await.unwrap();
    assert!(kv.keys().await.unwrap().is_empty());

    let seen: Vec<(String, KvOperation)> = {
        let mut seen = Vec::new();
        while let Some(e) = watch.next(Some(Duration::from_secs(2))).await.unwrap() {
            seen.push((e.key, e.operation));
            if seen.len() == 6 {
                break;
            }
        }
        seen
    };
    assert_eq!(
        seen,
        [
            ("color".to_string(), KvOperation::Put),
            ("size".to_string(), KvOperation::Put),
            ("color".to_string(), KvOperation::Put),
            ("size".to_string(), KvOperation::Del),
            ("color".to_string(), KvOperation::Purge),
        ][..seen.len().min(5)]
    );
    assert_eq!(seen.len(), 5);

    let again = js.kv("config").await.unwrap();
    again.put("k", "v").await.unwrap();
    assert_eq!(
        js.kv("missing").await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    js.delete_kv("config").await.unwrap();
}

async fn watch_bucket(js: &Context) -> Kv {
    let config = KvConfig {
        bucket: "watched".into(),
        history: 5,
        storage: "memory".into(),
        ..Default::default()
    };
    let kv = js.create_kv(&config).await.unwrap();
    kv.put("color", "red").await.unwrap();
    kv.put("color", "blue").await.unwrap();
    kv.put("size", "L").await.unwrap();
    kv.delete("size").await.unwrap();
    kv
}

/// Entries until `timeout` passes with none, as `key=value` (`key:DEL` for deletes).
async fn drain(watch: &mut KvWatch, timeout: u64) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some(e) = watch
        .next(Some(Duration::from_millis(timeout)))
        .await
        .unwrap()
    {
        seen.push(show(&e));
    }
    seen
}

fn show(e: &KvEntry) -> String {
    match e.operation {
        KvOperation::Put => format!("{}={}", e.key, String::from_utf8_lossy(&e.value)),
        op => format!("{}:{}", e.key, op.as_str()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_watch_delivers_current_values_then_updates() {
    let srv = server();
    let js = js(&srv).await;
    let kv = watch_bucket(&js).await;
    let mut watch = kv.watch(">", KvWatchOptions::default()).await.unwrap();
    assert!(!watch.initial_done());
    assert_eq!(drain(&mut watch, 300).await, ["color=blue", "size:DEL"]);
    assert!(watch.initial_done());
    kv.put("color", "green").await.unwrap();
    kv.purge("color").await.unwrap();
    assert_eq!(drain(&mut watch, 300).await, ["color=green", "color:PURGE"]);

    let mut one = kv.watch("color", KvWatchOptions::default()).await.unwrap();
    assert_eq!(drain(&mut one, 300).await, ["color:PURGE"]);
    kv.put("other", "x").await.unwrap();
    kv.put("user.1", "ann").await.unwrap();
    let mut wildcard = kv.watch("user.*", KvWatchOptions::default()).await.unwrap();
    assert_eq!(drain(&mut wildcard, 300).await, ["user.1=ann"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_watch_options_choose_what_comes_first() {
    let srv = server();
    let js = js(&srv).await;
    let kv = watch_bucket(&js).await;
    let history = KvWatchOptions {
        include_history: true,
        ..Default::default()
    };
    let mut watch = kv.watch(">", history).await.unwrap();
    let all = ["color=red", "color=blue", "size=L", "size:DEL"];
    assert_eq!(drain(&mut watch, 300).await, all);

    let updates = KvWatchOptions {
        updates_only: true,
        ..Default::default()
    };
    let mut watch = kv.watch(">", updates).await.unwrap();
    assert!(
        watch.initial_done(),
        "nothing to wait for with updates_only"
    );
    assert_eq!(drain(&mut watch, 300).await, Vec::<String>::new());
    kv.put("size", "M").await.unwrap();
    assert_eq!(drain(&mut watch, 300).await, ["size=M"]);

    let live = KvWatchOptions {
        ignore_deletes: true,
        ..Default::default()
    };
    kv.delete("color").await.unwrap();
    let mut watch = kv.watch(">", live).await.unwrap();
    assert_eq!(drain(&mut watch, 300).await, ["size=M"]);
    kv.delete("size").await.unwrap();
    kv.put("color", "black").await.unwrap();
    assert_eq!(drain(&mut watch, 300).await, ["color=black"]);
    assert!(watch.initial_done());

    let both = KvWatchOptions {
        include_history: true,
        updates_only: true,
        ..Default::default()
    };
    let err = kv.watch(">", both).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_watch_stops_from_another_task() {
    let srv = server();
    let js = js(&srv).await;
    let kv = watch_bucket(&js).await;
    let mut watch = kv
        .watch("nothing.here", KvWatchOptions::default())
        .await
        .unwrap();
    assert!(watch.initial_done(), "no key matched");
    let control = watch.control();
    let started = Instant::now();
    let pending = tokio::spawn(async move { watch.next(None).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    control.stop();
    let err = pending.await.unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Closed, "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn account_info_reports_usage() {
    let srv = server();
    let js = js(&srv).await;
    assert!(js.is_available().await);
    stream(&js, "U", &["u"]).await;
    let info = js.account_info().await.unwrap();
    assert_eq!(info["streams"], 1);
    assert!(info["limits"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_without_jetstream_says_not_enabled() {
    let srv = LocalServer::with_options(ServerOptions::default()).unwrap();
    let js = js(&srv).await;
    assert!(!js.is_available().await);
    for err in [
        js.account_info().await.unwrap_err(),
        js.stream_info("ANY").await.unwrap_err(),
        js.create_stream(&json!({"name": "ANY"})).await.unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::JetStreamNotEnabled, "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_names_are_rejected_before_sending() {
    let srv = server();
    let js = js(&srv).await;
    for bad in ["", "a.b", "a b", "a*", "x>"] {
        let err = js.stream_info(bad).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad:?}");
    }
    let err = js
        .create_stream(&json!({"subjects": ["x"]}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    let no_value: Value = json!({"name": "Y", "max_age": "1h"});
    assert_eq!(
        js.create_stream(&no_value).await.unwrap_err().code(),
        ErrorCode::JetStream
    );
}

#[test]
fn a_blocking_host_gets_a_context_outside_the_runtime() {
    let srv = server();
    let url = srv.url();
    let nc = natskit::runtime::block_on(natskit::connect(&url))
        .unwrap()
        .unwrap();
    let js = nc.jetstream();
    let ack = natskit::runtime::block_on(async {
        js.create_stream(&json!({"name": "BLOCKING", "subjects": ["blocking"]}))
            .await?;
        js.publish("blocking", "x", &PublishOptions::default())
            .await
    })
    .unwrap()
    .unwrap();
    assert_eq!((ack.stream.as_str(), ack.sequence), ("BLOCKING", 1));
    natskit::runtime::block_on(nc.close()).unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn configs_and_infos_carry_durations_in_the_host_unit() {
    let srv = server();
    let ms = js(&srv).await.with_unit(natskit::Unit::Milliseconds);
    let info = ms
        .create_stream(&json!({"name": "U", "subjects": ["u"], "max_age": 3_600_000, "duplicate_window": 1500}))
        .await
        .unwrap();
    assert_eq!(info["config"]["max_age"], 3_600_000);
    assert_eq!(info["config"]["duplicate_window"], 1500);
    let raw = js(&srv).await.stream_info("U").await.unwrap();
    assert_eq!(raw["config"]["max_age"], 3_600 * NS);

    let s = js(&srv).await.with_unit(natskit::Unit::Seconds);
    let consumer = s
        .create_consumer(
            "U",
            &json!({"durable_name": "C", "ack_policy": "explicit", "ack_wait": 2.5, "backoff": [2.5, 4.0], "max_deliver": 3}),
        )
        .await
        .unwrap();
    assert_eq!(consumer["config"]["ack_wait"], 2.5);
    assert_eq!(consumer["config"]["backoff"], json!([2.5, 4.0]));
    let listed = ms.list_consumers("U", 0).await.unwrap();
    assert_eq!(listed.items[0]["config"]["ack_wait"], 2500);

    let err = s
        .create_stream(&json!({"name": "V", "subjects": ["v"], "max_age": -1.0}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(err.message().contains("max_age"), "{err}");

    let kv = ms
        .kv_config(json!({"bucket": "K", "max_age": 60_000, "storage": "memory"}))
        .unwrap();
    assert_eq!(kv.max_age, Duration::from_secs(60));
    ms.create_kv(&kv).await.unwrap();
    assert_eq!(
        ms.stream_info("KV_K").await.unwrap()["config"]["max_age"],
        60_000
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fractional_ttls_are_refused_not_rounded() {
    let srv = server();
    let js = js(&srv).await;
    js.create_stream(&json!({"name": "T", "subjects": ["t"], "allow_msg_ttl": true}))
        .await
        .unwrap();
    for ttl in [Duration::from_millis(1500), Duration::from_millis(500)] {
        let opts = PublishOptions {
            ttl: Some(ttl),
            ..Default::default()
        };
        let err = js.publish("t", "x", &opts).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{ttl:?}");
    }
    assert_eq!(js.stream_info("T").await.unwrap()["state"]["messages"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_wait_on_an_empty_consumer_returns_at_once() {
    let srv = server();
    let js = js(&srv).await;
    stream(&js, "E", &["e"]).await;
    pull_consumer(&js, "E", "c", 30_000).await;
    let opts = FetchOptions {
        timeout: None,
        no_wait: true,
    };
    js.fetch_next("E", "c", &opts).await.unwrap();
    let started = Instant::now();
    assert!(js.fetch_next("E", "c", &opts).await.unwrap().is_none());
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_domain_setting_reaches_that_domains_jetstream() {
    let srv = natskit::LocalServer::with_options(natskit::ServerOptions {
        config: Some("jetstream { domain: hub }".into()),
        ..natskit::ServerOptions::jetstream()
    })
    .unwrap();
    let in_domain = |domain: &str| {
        let mut config = natskit::ConnectionConfig::for_url(&srv.url());
        config.jetstream.domain = Some(domain.into());
        config.jetstream.timeout = 1.0;
        config
    };
    let hub = natskit::Client::connect(&in_domain("hub")).await.unwrap();
    let js = hub.jetstream();
    js.create_stream(&json!({"name": "HUB", "subjects": ["hub.>"], "storage": "memory"}))
        .await
        .unwrap();
    let ack = js
        .publish("hub.x", "in the hub", &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!((ack.stream.as_str(), ack.sequence), ("HUB", 1));

    let other = natskit::Client::connect(&in_domain("elsewhere"))
        .await
        .unwrap();
    let err = other.jetstream().stream_info("HUB").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::JetStreamNotEnabled, "{err}");
}

/// The API subjects the reads went to, seen by subscribers (not on the LEADER stream's direct
/// subject: a subscriber there would answer nothing and make the try time out).
async fn api_subjects(sniffers: &mut [natskit::Subscription]) -> Vec<String> {
    let mut seen = Vec::new();
    for sniffer in sniffers {
        while let Ok(Some(m)) = sniffer.next_timeout(Some(Duration::from_millis(100))).await {
            seen.push(m.subject().to_string());
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_go_direct_when_the_stream_allows_it() {
    let srv = server();
    let nc = client(&srv).await;
    let sniff = client(&srv).await;
    let mut sniffers = Vec::new();
    for subject in [
        "$JS.API.DIRECT.GET.DIRECT",
        "$JS.API.DIRECT.GET.DIRECT.>",
        "$JS.API.STREAM.MSG.GET.>",
    ] {
        sniffers.push(sniff.subscribe(subject, None).await.unwrap());
    }
    sniff.flush().await.unwrap();
    let js = nc.jetstream();
    for (name, direct) in [("DIRECT", true), ("LEADER", false)] {
        let subject = format!("{}.x", name.to_lowercase());
        js.create_stream(&json!({"name": name, "subjects": [subject], "allow_direct": direct}))
            .await
            .unwrap();
        js.publish(&subject, "v1", &PublishOptions::default())
            .await
            .unwrap();
    }

    // A context that created the stream knows; a new one finds out with its first read.
    for js in [js.clone(), nc.jetstream()] {
        assert_eq!(js.get_message("DIRECT", 1).await.unwrap().payload, "v1");
        let last = js.get_last_message("DIRECT", "direct.x").await.unwrap();
        assert_eq!(last.sequence, 1);
        let err = js.get_message("DIRECT", 9).await.unwrap_err();
        assert_eq!(
            (err.code(), err.server_code()),
            (ErrorCode::NotFound, Some(10037))
        );
        let seen = api_subjects(&mut sniffers).await;
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(
            seen.iter()
                .all(|s| s.starts_with("$JS.API.DIRECT.GET.DIRECT")),
            "{seen:?}"
        );

        assert_eq!(js.get_message("LEADER", 1).await.unwrap().payload, "v1");
        let err = js.get_message("LEADER", 9).await.unwrap_err();
        assert_eq!(
            (err.code(), err.server_code()),
            (ErrorCode::NotFound, Some(10037))
        );
        let seen = api_subjects(&mut sniffers).await;
        assert_eq!(seen, ["$JS.API.STREAM.MSG.GET.LEADER"; 2]);
    }
    // A missing stream is still NOT_FOUND with the server's code.
    let err = js.get_message("NOPE", 1).await.unwrap_err();
    assert_eq!(
        (err.code(), err.server_code()),
        (ErrorCode::NotFound, Some(10059))
    );
}
