//! A subscription that falls behind drops messages and counts every one: after a burst,
//! delivered + dropped == published, exactly, and the slow_consumer events add up to it.
//! `make soak` runs the 2,000,000-message burst (`--ignored`).

mod common;

use std::time::{Duration, Instant};

use natskit::config::DEFAULT_SUBSCRIPTION_CAPACITY;
use natskit::{Client, ConnectionConfig, Event, LocalServer};

/// Publishes `count` messages at once to a subscription of `capacity` that reads nothing
/// until the burst is over, then reads everything; returns (delivered, dropped).
async fn burst(server: &LocalServer, count: u64, capacity: usize) -> (u64, u64) {
    let config = ConnectionConfig {
        servers: vec![server.url()],
        subscription_capacity: capacity,
        ..Default::default()
    };
    let receiver = Client::connect(&config).await.unwrap();
    let publisher = common::client(server).await;
    let mut sub = receiver.subscribe("burst", None).await.unwrap();
    receiver.flush().await.unwrap();
    for i in 0..count {
        publisher
            .publish("burst", i.to_be_bytes().to_vec())
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();

    let deadline = Instant::now() + Duration::from_secs(120);
    while receiver.stats().in_msgs < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut delivered = 0u64;
    let idle = Some(Duration::from_millis(500));
    while sub.next_timeout(idle).await.unwrap().is_some() {
        delivered += 1;
    }
    let dropped = sub.dropped();
    assert_eq!(receiver.stats().dropped, dropped);
    let mut reported = 0;
    while let Some(event) = receiver.poll_event() {
        if let Event::SlowConsumer { subject, dropped } = event {
            assert_eq!(subject.as_deref(), Some("burst"));
            reported += dropped;
        }
    }
    assert_eq!(
        reported, dropped,
        "slow_consumer events add up to the count"
    );
    eprintln!(
        "burst of {count} into capacity {capacity}: delivered {delivered}, dropped {dropped}"
    );
    (delivered, dropped)
}

fn server() -> LocalServer {
    // A large burst needs more than the server's default 64 MB of pending bytes per client.
    LocalServer::with_options(natskit::ServerOptions {
        config: Some("max_pending: 1GB\n".into()),
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dropped_message_is_counted() {
    let server = server();
    let (delivered, dropped) = burst(&server, 200_000, 1_000).await;
    assert_eq!(delivered + dropped, 200_000);
    assert!(delivered >= 1_000, "the buffer itself is delivered");
    assert!(dropped > 0, "a 200,000 burst overflows 1,000");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "2,000,000 messages: make soak"]
async fn every_dropped_message_is_counted_in_a_two_million_burst() {
    let server = server();
    for capacity in [1_000, DEFAULT_SUBSCRIPTION_CAPACITY] {
        let (delivered, dropped) = burst(&server, 2_000_000, capacity).await;
        assert_eq!(delivered + dropped, 2_000_000, "capacity {capacity}");
        assert!(dropped > 0, "capacity {capacity}");
    }
}
