//! Publish, subscribe, queue groups, request/reply, headers, flush, close and limits
//! against a real nats-server.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{client, client_with, server, SECOND, SHORT};
use natskit::{ConnectionConfig, ErrorCode, Event, Headers, PublishOptions, RequestOptions};

#[tokio::test(flavor = "multi_thread")]
async fn publish_subscribe_round_trip() {
    let srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("greet.hello", None).await.unwrap();
    nc.publish("greet.hello", "hi").await.unwrap();
    let msg = sub.next_timeout(SECOND).await.unwrap().expect("a message");
    assert_eq!(msg.subject(), "greet.hello");
    assert_eq!(msg.data(), b"hi");
    assert_eq!(msg.reply(), None);
    assert!(sub.next_timeout(SHORT).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn wildcards_match_one_token_or_the_rest() {
    let srv = server();
    let nc = client(&srv).await;
    let mut star = nc.subscribe("orders.*", None).await.unwrap();
    let mut tail = nc.subscribe("orders.>", None).await.unwrap();
    for s in [
        "orders.created",
        "orders.us.created",
        "order.created",
        "orders",
    ] {
        nc.publish(s, "x").await.unwrap();
    }
    nc.flush().await.unwrap();
    let subjects = |batch: Vec<natskit::Message>| {
        batch
            .iter()
            .map(|m| m.subject().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        subjects(star.next_batch(10, SECOND).await.unwrap()),
        ["orders.created"]
    );
    assert_eq!(
        subjects(tail.next_batch(10, SECOND).await.unwrap()),
        ["orders.created", "orders.us.created"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_group_delivers_each_message_once() {
    let srv = server();
    let nc = client(&srv).await;
    let mut members = Vec::new();
    for _ in 0..3 {
        members.push(nc.subscribe("work", Some("workers")).await.unwrap());
    }
    let mut plain = nc.subscribe("work", None).await.unwrap();
    nc.flush().await.unwrap();
    for i in 0..1000 {
        nc.publish("work", i.to_string()).await.unwrap();
    }
    nc.flush().await.unwrap();
    let mut seen = HashSet::new();
    let mut per_member = Vec::new();
    for sub in &mut members {
        let mut n = 0;
        while let Some(m) = sub.next_timeout(SHORT).await.unwrap() {
            assert!(seen.insert(m.payload().clone()), "delivered twice");
            n += 1;
        }
        per_member.push(n);
    }
    assert_eq!(seen.len(), 1000);
    assert!(
        per_member.iter().filter(|n| **n > 0).count() >= 2,
        "{per_member:?}"
    );
    assert_eq!(plain.next_batch(2000, SECOND).await.unwrap().len(), 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_reply_with_headers() {
    let srv = server();
    let nc = client(&srv).await;
    let mut service = nc.subscribe("users.get", None).await.unwrap();
    tokio::spawn(async move {
        while let Ok(Some(req)) = service.next_timeout(None).await {
            let mut h = Headers::new();
            h.append("X-Echo", req.header("x-id").unwrap_or("none"));
            let body = format!("user {}", String::from_utf8_lossy(req.data()));
            req.respond_with(Bytes::from(body), Some(&h)).await.unwrap();
        }
    });
    let mut h = Headers::new();
    h.append("X-Id", "42");
    let opts = RequestOptions {
        headers: Some(&h),
        timeout: Some(Duration::from_secs(2)),
    };
    let reply = nc
        .request_with("users.get", Bytes::from_static(b"42"), &opts)
        .await
        .unwrap();
    assert_eq!(reply.data(), b"user 42");
    assert_eq!(reply.header("X-ECHO"), Some("42"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_responders_fails_fast() {
    let srv = server();
    let nc = client(&srv).await;
    let started = Instant::now();
    let opts = RequestOptions {
        headers: None,
        timeout: Some(Duration::from_secs(10)),
    };
    let err = nc
        .request_with("nobody.home", Bytes::new(), &opts)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoResponders);
    assert_eq!(err.message(), "no responders for nobody.home");
    // Far below the 10 s timeout: the server answered, the client did not wait it out.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn request_times_out() {
    let srv = server();
    let nc = client(&srv).await;
    let _silent = nc.subscribe("slow.service", None).await.unwrap();
    let opts = RequestOptions {
        headers: None,
        timeout: Some(Duration::from_millis(150)),
    };
    let err = nc
        .request_with("slow.service", Bytes::new(), &opts)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    assert!(err.message().contains("slow.service"), "{err}");
    assert!(err.message().contains("150 ms"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_round_trip_with_multiple_values() {
    let srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("h", None).await.unwrap();
    let mut h = Headers::new();
    h.append("X-Tag", "a")
        .append("X-Tag", "b")
        .append("Trace", "t1");
    let opts = PublishOptions {
        headers: Some(&h),
        reply: Some("answers.here"),
    };
    nc.publish_with("h", Bytes::from_static(b"body"), &opts)
        .await
        .unwrap();
    let msg = sub.next_timeout(SECOND).await.unwrap().unwrap();
    let got = msg.headers();
    assert_eq!(got.get_all("x-tag").collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(got.get("TRACE"), Some("t1"));
    assert_eq!(msg.reply(), Some("answers.here"));
    assert_eq!(msg.data(), b"body");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_payloads() {
    let srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("orders.created", None).await.unwrap();
    nc.publish_json(
        "orders.created",
        &serde_json::json!({"order_id": 123, "customer": "Ada"}),
    )
    .await
    .unwrap();
    nc.publish("orders.created", "{not json").await.unwrap();
    let msg = sub.next_timeout(SECOND).await.unwrap().unwrap();
    let v: serde_json::Value = msg.json().unwrap();
    assert_eq!(v["order_id"], 123);
    let bad = sub.next_timeout(SECOND).await.unwrap().unwrap();
    let err = bad.json::<serde_json::Value>().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Serialization);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_subjects_are_rejected_before_sending() {
    let srv = server();
    let nc = client(&srv).await;
    for bad in ["", "a..b", "has space", "orders.*", "orders.>", "trailing."] {
        let err = nc.publish(bad, "x").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidSubject, "{bad:?}");
    }
    let err = nc.subscribe("a.>.b", None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSubject);
    let err = nc.subscribe("ok", Some("bad group")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSubject);
    assert_eq!(nc.stats().out_msgs, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_payload_is_rejected_client_side() {
    let srv = server();
    let nc = client(&srv).await;
    assert_eq!(nc.max_payload(), 1024 * 1024);
    let big = vec![0u8; 2_200_000];
    let err = nc.publish("big", big.clone()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::PayloadTooLarge);
    assert_eq!(
        err.message(),
        "payload 2.1 MB exceeds server max_payload 1 MB"
    );
    let err = nc.request("big", big).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::PayloadTooLarge);
    // The connection is still usable.
    nc.publish("small", "ok").await.unwrap();
    nc.flush().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn close_flushes_publishes_issued_right_before() {
    let srv = server();
    let receiver = client(&srv).await;
    let mut sub = receiver.subscribe("burst", None).await.unwrap();
    receiver.flush().await.unwrap();
    let sender = client(&srv).await;
    for i in 0..10_000u32 {
        sender
            .publish("burst", i.to_be_bytes().to_vec())
            .await
            .unwrap();
    }
    sender.close().await.unwrap();
    assert!(sender.is_closed());
    assert_eq!(
        sender.publish("burst", "late").await.unwrap_err().code(),
        ErrorCode::Closed
    );
    let mut got = 0;
    while got < 10_000 {
        let batch = sub
            .next_batch(4096, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        assert!(!batch.is_empty(), "only {got} of 10000 arrived");
        got += batch.len();
    }
    assert_eq!(got, 10_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn default_capacity_holds_a_200k_burst() {
    let srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("flood", None).await.unwrap();
    let publisher = client(&srv).await;
    let payload = Bytes::from(vec![7u8; 128]);
    for _ in 0..200_000 {
        publisher.publish("flood", payload.clone()).await.unwrap();
    }
    publisher.flush().await.unwrap();
    nc.flush().await.unwrap();
    let mut got = 0;
    while got < 200_000 {
        let batch = sub
            .next_batch(8192, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        assert!(!batch.is_empty(), "stalled at {got}");
        got += batch.len();
    }
    assert_eq!(got, 200_000);
    assert_eq!(sub.dropped(), 0);
    assert_eq!(nc.stats().dropped, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_consumer_drops_are_counted_not_buffered() {
    let srv = server();
    let config = ConnectionConfig {
        subscription_capacity: 100,
        ..Default::default()
    };
    let nc = client_with(&srv, config).await;
    let mut sub = nc.subscribe("firehose", None).await.unwrap();
    let publisher = client(&srv).await;
    for _ in 0..5_000 {
        publisher.publish("firehose", "x").await.unwrap();
    }
    publisher.flush().await.unwrap();
    nc.flush().await.unwrap();
    // Nothing is read yet: the buffer holds 100 and every other message is dropped.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sub.dropped() < 4_900 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut received = 0;
    while let Some(_m) = sub.next_timeout(SHORT).await.unwrap() {
        received += 1;
    }
    assert_eq!(received, 100, "the buffer holds subscription_capacity");
    assert_eq!(sub.dropped(), 4_900);
    assert_eq!(nc.stats().dropped, sub.dropped());
    let mut saw_event = false;
    while let Some(ev) = nc.poll_event() {
        if let Event::SlowConsumer { subject, dropped } = ev {
            assert_eq!(subject.as_deref(), Some("firehose"));
            assert!(dropped > 0);
            saw_event = true;
        }
    }
    assert!(saw_event, "no slow_consumer event");
}

#[tokio::test(flavor = "multi_thread")]
async fn unsubscribe_and_drain_end_the_subscription() {
    let srv = server();
    let nc = client(&srv).await;
    let mut a = nc.subscribe("u", None).await.unwrap();
    let mut b = nc.subscribe("u", None).await.unwrap();
    nc.publish("u", "1").await.unwrap();
    nc.flush().await.unwrap();
    b.drain().await.unwrap();
    assert_eq!(b.next_timeout(SECOND).await.unwrap().unwrap().data(), b"1");
    assert_eq!(
        b.next_timeout(SECOND).await.unwrap_err().code(),
        ErrorCode::Closed
    );
    a.unsubscribe().await.unwrap();
    assert!(a.is_closed());
    assert_eq!(
        a.next_timeout(SHORT).await.unwrap_err().code(),
        ErrorCode::Closed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_and_events_report_the_connection() {
    let srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("s", None).await.unwrap();
    nc.publish("s", "12345").await.unwrap();
    sub.next_timeout(SECOND).await.unwrap().unwrap();
    let stats = nc.stats();
    assert!(stats.out_msgs >= 1 && stats.in_msgs >= 1, "{stats:?}");
    assert!(stats.out_bytes >= 5, "{stats:?}");
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(1), nc.next_event())
            .await
            .unwrap(),
        Event::Connected
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reconnects_after_a_server_restart() {
    let mut srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("after.restart", None).await.unwrap();
    nc.flush().await.unwrap();
    srv.start_again().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while nc.stats().reconnects == 0 {
        assert!(Instant::now() < deadline, "did not reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    nc.publish("after.restart", "back").await.unwrap();
    let msg = sub
        .next_timeout(Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(
        msg.unwrap().data(),
        b"back",
        "subscription restored after reconnect"
    );
    let events: Vec<_> = std::iter::from_fn(|| nc.poll_event()).collect();
    assert!(events.contains(&Event::Disconnected), "{events:?}");
    assert!(events.contains(&Event::Reconnected), "{events:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn giving_up_reconnecting_closes_the_client() {
    let mut srv = server();
    let config =
        ConnectionConfig::from_json(r#"{"reconnect": {"max_attempts": 1, "delay": 0.05}}"#)
            .unwrap();
    let nc = client_with(&srv, config).await;
    nc.publish("gone", "x").await.unwrap();
    nc.flush().await.unwrap();
    srv.kill();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !nc.is_closed() {
        assert!(
            Instant::now() < deadline,
            "still not closed after giving up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let err = nc.publish("gone", "x").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Closed, "{err}");
    let events: Vec<_> = std::iter::from_fn(|| nc.poll_event()).collect();
    assert!(events.contains(&Event::Closed), "{events:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_attempts_zero_closes_the_client_when_the_connection_is_lost() {
    let mut srv = server();
    let config = ConnectionConfig::from_json(r#"{"reconnect": {"max_attempts": 0}}"#).unwrap();
    let nc = client_with(&srv, config).await;
    nc.flush().await.unwrap();
    srv.start_again().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !nc.is_closed() {
        assert!(Instant::now() < deadline, "not closed after the loss");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let err = nc.publish("gone", "x").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Closed, "{err}");
    let events: Vec<_> = std::iter::from_fn(|| nc.poll_event()).collect();
    assert!(!events.contains(&Event::Reconnected), "{events:?}");
    assert_eq!(events.last(), Some(&Event::Closed), "{events:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn flush_and_close_do_not_wait_forever_for_a_server_that_is_gone() {
    let mut srv = server();
    let config = ConnectionConfig::from_json(r#"{"request_timeout": 0.5}"#).unwrap();
    let nc = client_with(&srv, config).await;
    nc.publish("gone", "x").await.unwrap();
    nc.flush().await.unwrap();
    srv.kill();
    tokio::time::sleep(Duration::from_millis(100)).await;
    nc.publish("gone", "y").await.unwrap();
    let started = Instant::now();
    let err = nc.flush().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert!(nc.close().await.is_err(), "the publish was not confirmed");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_publish_validates_without_sending() {
    let srv = server();
    let nc = client(&srv).await;
    let mut sub = nc.subscribe("checked", None).await.unwrap();
    let none = PublishOptions::default();
    nc.check_publish("checked", 10, &none).unwrap();
    let bad = nc.check_publish("bad subject", 1, &none).unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidSubject);
    let reply = PublishOptions {
        reply: Some("bad reply"),
        ..Default::default()
    };
    assert_eq!(
        nc.check_publish("checked", 1, &reply).unwrap_err().code(),
        ErrorCode::InvalidSubject
    );
    let big = nc.max_payload() + 1;
    assert_eq!(
        nc.check_publish("checked", big, &none).unwrap_err().code(),
        ErrorCode::PayloadTooLarge
    );
    nc.flush().await.unwrap();
    assert!(
        sub.next_timeout(SHORT).await.unwrap().is_none(),
        "nothing was sent"
    );
    nc.close().await.unwrap();
    assert_eq!(
        nc.check_publish("checked", 1, &none).unwrap_err().code(),
        ErrorCode::Closed
    );
}

/// Staged publishes (the outbox of hosts that must not wait) keep call order with plain
/// publishes, publishes with headers and requests; a bad batch stages nothing; close
/// delivers everything staged.
#[tokio::test(flavor = "multi_thread")]
async fn staged_publishes_keep_call_order_and_close_delivers_them() {
    let srv = server();
    let receiver = client(&srv).await;
    let mut sub = receiver.subscribe("staged.>", None).await.unwrap();
    receiver.flush().await.unwrap();
    let sender = client(&srv).await;
    let none = PublishOptions::default();
    let mut headers = Headers::new();
    headers.insert("X-Kind", "full");
    let full = PublishOptions {
        headers: Some(&headers),
        reply: None,
    };
    let mut want = Vec::new();
    for i in 0..3_000u32 {
        let body = Bytes::from(i.to_string());
        match i % 3 {
            0 => sender.stage_publish("staged.a", body, &none).unwrap(),
            1 => sender.stage_publish("staged.b", body, &full).unwrap(),
            _ => sender.publish("staged.c", body).await.unwrap(),
        }
        want.push(i.to_string());
    }
    let batch = (3_000..3_100u32).map(|i| ("staged.many", Bytes::from(i.to_string())));
    sender.stage_publish_many(batch).unwrap();
    want.extend((3_000..3_100u32).map(|i| i.to_string()));
    let bad = [("staged.ok", Bytes::new()), ("staged.*", Bytes::new())];
    let err = sender.stage_publish_many(bad).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSubject);
    assert!(err.message().contains("message 1"), "{}", err.message());
    let timeout = RequestOptions {
        headers: None,
        timeout: Some(Duration::from_millis(100)),
    };
    sender
        .stage_publish("staged.last", "x".into(), &none)
        .unwrap();
    let unanswered = sender.request_with("staged.req", "?".into(), &timeout);
    assert_eq!(unanswered.await.unwrap_err().code(), ErrorCode::Timeout);
    want.extend(["x".to_string(), "?".to_string()]);
    sender.close().await.unwrap();
    let err = sender.stage_publish("staged.a", Bytes::new(), &none);
    assert_eq!(err.unwrap_err().code(), ErrorCode::Closed);
    let mut got = Vec::new();
    while got.len() < want.len() {
        let batch = sub
            .next_batch(4096, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        assert!(
            !batch.is_empty(),
            "only {} of {} arrived",
            got.len(),
            want.len()
        );
        got.extend(
            batch
                .iter()
                .map(|m| String::from_utf8_lossy(m.data()).into_owned()),
        );
    }
    assert_eq!(got, want, "every message once, in call order");
    assert!(sub.next_timeout(SHORT).await.unwrap().is_none());
}
