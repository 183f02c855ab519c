//! Connection options against real servers: no_echo, inbox_prefix, retry_on_initial_connect,
//! reconnect_buffer_size, randomize and ignore_discovered_servers.

mod common;

use std::time::{Duration, Instant};

use natskit::server::free_port;
use natskit::{Client, ConnectionConfig, ErrorCode, Event, LocalServer, ServerOptions};

use common::{SECOND, SHORT};

fn config(json: &str) -> ConnectionConfig {
    ConnectionConfig::from_json(json).unwrap()
}

/// Waits up to 10 s for `want` among the client's events.
async fn wait_for(client: &Client, want: Event) {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while client.next_event().await != want {}
    })
    .await;
    assert!(found.is_ok(), "no {want:?} event within 10 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_echo_skips_own_messages_but_not_others() {
    let srv = common::server();
    let quiet = common::client_with(&srv, config(r#"{"no_echo": true}"#)).await;
    let other = common::client(&srv).await;
    let mut sub = quiet.subscribe("echo.test", None).await.unwrap();
    quiet.flush().await.unwrap();
    quiet.publish("echo.test", "own").await.unwrap();
    quiet.flush().await.unwrap();
    other.publish("echo.test", "other").await.unwrap();
    other.flush().await.unwrap();
    let first = sub
        .next_timeout(SECOND)
        .await
        .unwrap()
        .expect("other's message");
    assert_eq!(first.data(), b"other");
    assert!(
        sub.next_timeout(SHORT).await.unwrap().is_none(),
        "own message echoed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inbox_prefix_is_on_the_reply_subject_a_responder_sees() {
    let srv = common::server();
    let responder = common::client(&srv).await;
    let mut sub = responder.subscribe("svc.echo", None).await.unwrap();
    responder.flush().await.unwrap();
    let requester = common::client_with(&srv, config(r#"{"inbox_prefix": "_APP.inbox"}"#)).await;
    let answer = tokio::spawn(async move {
        let msg = sub.next_timeout(SECOND).await.unwrap().expect("request");
        let reply = msg.reply().unwrap().to_string();
        msg.respond("pong").await.unwrap();
        reply
    });
    let reply = requester.request("svc.echo", "ping").await.unwrap();
    assert_eq!(reply.data(), b"pong");
    let seen = answer.await.unwrap();
    assert!(seen.starts_with("_APP.inbox."), "reply subject {seen}");

    let err = ConnectionConfig::from_json(r#"{"inbox_prefix": "_APP.*"}"#).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert!(err.message().contains("inbox_prefix"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_on_initial_connect_waits_for_a_late_server() {
    let port = free_port().unwrap();
    let url = format!("nats://127.0.0.1:{port}");

    let started = Instant::now();
    let err = Client::connect(&ConnectionConfig::for_url(&url))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Connect);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "without the option it fails fast"
    );

    let mut retrying = ConnectionConfig::for_url(&url);
    retrying.retry_on_initial_connect = true;
    retrying.reconnect.delay = 0.05;
    retrying.reconnect.max_delay = 0.2;
    let started = Instant::now();
    let connecting = tokio::spawn(async move { Client::connect(&retrying).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !connecting.is_finished(),
        "connect() returned before a server was up"
    );
    let srv = tokio::task::spawn_blocking(move || {
        LocalServer::with_options(ServerOptions {
            port: Some(port),
            ..Default::default()
        })
        .unwrap()
    })
    .await
    .unwrap();
    let nc = connecting
        .await
        .unwrap()
        .expect("connects once the server is up");
    assert!(started.elapsed() >= Duration::from_secs(1));
    let mut sub = nc.subscribe("late", None).await.unwrap();
    nc.publish("late", "hi").await.unwrap();
    assert_eq!(
        sub.next_timeout(SECOND).await.unwrap().unwrap().data(),
        b"hi"
    );
    nc.close().await.unwrap();
    srv.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_on_initial_connect_gives_up_after_max_attempts() {
    let url = format!("nats://127.0.0.1:{}", free_port().unwrap());
    let mut c = ConnectionConfig::for_url(&url);
    c.retry_on_initial_connect = true;
    c.reconnect.max_attempts = Some(3);
    c.reconnect.delay = 0.05;
    c.reconnect.jitter = 0.0;
    let started = Instant::now();
    let err = Client::connect(&c).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Connect);
    assert!(err.message().contains("after 4 connect attempts"), "{err}");
    // Delays 0.05 + 0.1 + 0.2 s between the four attempts.
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_while_disconnected_are_held_up_to_the_buffer_size() {
    let mut srv = common::server();
    let c = config(
        r#"{"reconnect_buffer_size": 1000, "reconnect": {"delay": 0.05, "max_delay": 0.1}}"#,
    );
    let nc = common::client_with(&srv, c).await;
    let mut sub = nc.subscribe("held.>", None).await.unwrap();
    nc.flush().await.unwrap();
    wait_for(&nc, Event::Connected).await;
    srv.kill();
    wait_for(&nc, Event::Disconnected).await;

    // Subject (6 bytes) + payload (94 bytes) = 100 bytes each: ten fit in 1000.
    let payload = vec![b'x'; 94];
    for i in 0..10 {
        nc.publish(&format!("held.{i}"), payload.clone())
            .await
            .unwrap_or_else(|e| panic!("publish {i} while disconnected: {e}"));
    }
    let err = nc.publish("held.x", payload.clone()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Connect);
    assert!(err.message().contains("reconnect buffer full"), "{err}");
    assert!(
        err.message().contains("reconnect_buffer_size 1000 B"),
        "{err}"
    );
    let err = nc
        .check_publish("held.x", 1, &Default::default())
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Connect,
        "the check sees the full buffer"
    );

    srv.start_again().unwrap();
    wait_for(&nc, Event::Reconnected).await;
    nc.flush().await.unwrap();
    for i in 0..10 {
        let msg = sub
            .next_timeout(SECOND)
            .await
            .unwrap()
            .expect("held publish");
        assert_eq!(msg.subject(), format!("held.{i}"));
    }
    assert!(
        sub.next_timeout(SHORT).await.unwrap().is_none(),
        "the refused one was sent"
    );
    for _ in 0..20 {
        nc.publish("held.after", payload.clone()).await.unwrap();
    }
    nc.flush().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zero_buffer_refuses_publishes_while_disconnected() {
    let mut srv = common::server();
    let nc = common::client_with(&srv, config(r#"{"reconnect_buffer_size": 0}"#)).await;
    nc.publish("fine", "connected").await.unwrap();
    srv.kill();
    wait_for(&nc, Event::Disconnected).await;
    let err = nc.publish("refused", "x").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Connect);
}

#[tokio::test(flavor = "multi_thread")]
async fn randomize_false_keeps_the_configured_order() {
    let a = common::server();
    let b = common::server();
    let servers = format!(r#""{}", "{}""#, a.url(), b.url());
    let ordered = config(&format!(
        r#"{{"servers": [{servers}], "randomize": false}}"#
    ));
    for _ in 0..5 {
        let nc = Client::connect(&ordered).await.unwrap();
        assert_eq!(nc.connected_url(), a.url());
        nc.close().await.unwrap();
    }
    let random = config(&format!(r#"{{"servers": [{servers}]}}"#));
    let mut on_b = false;
    for _ in 0..30 {
        let nc = Client::connect(&random).await.unwrap();
        on_b |= nc.connected_url() == b.url();
        nc.close().await.unwrap();
    }
    assert!(on_b, "30 randomized connects all went to the first server");
}

/// Two routed servers; the client is configured with the first one only.
fn routed_pair() -> (LocalServer, LocalServer) {
    let routes = [free_port().unwrap(), free_port().unwrap()];
    let node = |i: usize| {
        LocalServer::with_options(ServerOptions {
            args: vec![
                "--cluster_name".into(),
                "opts".into(),
                "--cluster".into(),
                format!("nats://127.0.0.1:{}", routes[i]),
                "--routes".into(),
                format!("nats://127.0.0.1:{}", routes[1 - i]),
            ],
            ..Default::default()
        })
        .unwrap()
    };
    (node(0), node(1))
}

/// A client of `first` alone, once the server has announced the other node.
async fn client_of(first: &LocalServer, ignore_discovered: bool) -> Client {
    let c = config(&format!(
        r#"{{"servers": ["{}"], "ignore_discovered_servers": {ignore_discovered},
            "reconnect": {{"max_attempts": 4, "delay": 0.05, "max_delay": 0.1}}}}"#,
        first.url()
    ));
    let nc = Client::connect(&c).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while nc.nats().server_info().connect_urls.len() < 2 {
        assert!(Instant::now() < deadline, "the route did not form");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    nc
}

#[tokio::test(flavor = "multi_thread")]
async fn ignore_discovered_servers_stays_off_announced_nodes() {
    let (mut first, second) = routed_pair();
    let follows = client_of(&first, false).await;
    let stays = client_of(&first, true).await;
    first.kill();
    wait_for(&follows, Event::Reconnected).await;
    assert_eq!(follows.nats().server_info().port, second.port());
    wait_for(&stays, Event::Closed).await;
    assert!(stays.is_closed(), "reconnected to a discovered server");
}
