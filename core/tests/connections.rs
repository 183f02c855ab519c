//! Named connections, authentication and connection failures against real servers.

mod common;

use std::time::Duration;

use natskit::{Config, ConnectionConfig, ErrorCode, LocalServer, Manager, ServerOptions};

use common::SECOND;

#[tokio::test(flavor = "multi_thread")]
async fn named_connections_route_to_their_own_server() {
    let a = common::server();
    let b = common::server();
    let config = Config::from_json(&format!(
        r#"{{"default": "primary", "connections": {{"primary": {{"servers": ["{}"]}}, "secondary": {{"servers": ["{}"]}}}}}}"#,
        a.url(),
        b.url()
    ))
    .unwrap();
    let manager = Manager::new(config);
    assert!(
        manager.open_connections().is_empty(),
        "connections are lazy"
    );
    let on_a = common::client(&a).await;
    let on_b = common::client(&b).await;
    let mut sub_a = on_a.subscribe("where", None).await.unwrap();
    let mut sub_b = on_b.subscribe("where", None).await.unwrap();
    on_a.flush().await.unwrap();
    on_b.flush().await.unwrap();

    let primary = manager.connection(None).await.unwrap();
    primary.publish("where", "primary").await.unwrap();
    primary.flush().await.unwrap();
    let secondary = manager.connection(Some("secondary")).await.unwrap();
    secondary.publish("where", "secondary").await.unwrap();
    secondary.flush().await.unwrap();

    assert_eq!(
        sub_a.next_timeout(SECOND).await.unwrap().unwrap().data(),
        b"primary"
    );
    assert_eq!(
        sub_b.next_timeout(SECOND).await.unwrap().unwrap().data(),
        b"secondary"
    );
    assert!(sub_a.next_timeout(common::SHORT).await.unwrap().is_none());
    assert_eq!(manager.open_connections(), ["primary", "secondary"]);

    let again = manager.connection(Some("primary")).await.unwrap();
    assert_eq!(
        again.stats().out_msgs,
        primary.stats().out_msgs,
        "same shared connection"
    );
    manager.close("primary").await.unwrap();
    assert!(primary.is_closed());
    assert_eq!(manager.open_connections(), ["secondary"]);
    manager.close_all().await.unwrap();
    assert!(secondary.is_closed());
    let err = manager.connection(Some("third")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
}

#[tokio::test(flavor = "multi_thread")]
async fn user_and_password_auth() {
    let srv = LocalServer::with_options(ServerOptions {
        user: Some(("bob".into(), "s3cret".into())),
        ..Default::default()
    })
    .unwrap();
    let good = ConnectionConfig::from_json(&format!(
        r#"{{"servers": ["{}"], "user": "bob", "password": "s3cret"}}"#,
        srv.url()
    ))
    .unwrap();
    let nc = natskit::Client::connect(&good).await.unwrap();
    nc.flush().await.unwrap();

    let bad = ConnectionConfig::from_json(&format!(
        r#"{{"servers": ["{}"], "user": "bob", "password": "wrong-pass"}}"#,
        srv.url()
    ))
    .unwrap();
    let err = natskit::Client::connect(&bad).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Authorization);
    assert!(
        err.message()
            .contains("authorization violation for user \"bob\""),
        "{err}"
    );
    assert!(!err.message().contains("wrong-pass"), "{err}");

    let err = natskit::connect(&srv.url()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Authorization);

    // Credentials in the URL count, as in every NATS client; they never show in a message.
    let with_creds = srv.url().replace("nats://", "nats://bob:s3cret@");
    natskit::connect(&with_creds)
        .await
        .unwrap()
        .flush()
        .await
        .unwrap();
    let wrong = srv.url().replace("nats://", "nats://bob:pw-S3CRET@");
    let err = natskit::connect(&wrong).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Authorization);
    assert!(err.message().contains("\"bob\""), "{err}");
    assert!(!err.message().contains("pw-S3CRET"), "{err}");
}

#[test]
fn a_malformed_url_never_shows_its_password() {
    let err = ConnectionConfig::from_json(r#"{"servers": "nats://bob:pw-S3CRET@bad host:4222"}"#)
        .and_then(|c| c.validate())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert!(!err.message().contains("pw-S3CRET"), "{err}");
    assert!(err.message().contains("bob:***@bad host"), "{err}");
    assert_eq!(
        natskit::config::redact_url("nats://t0ken@h:1"),
        "nats://***@h:1"
    );
    assert_eq!(natskit::config::redact_url("h:1"), "h:1");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_auth() {
    let srv = LocalServer::with_options(ServerOptions {
        token: Some("t0k3n".into()),
        ..Default::default()
    })
    .unwrap();
    let mut config = ConnectionConfig::for_url(&srv.url());
    config.token = Some(natskit::config::Secret::new("t0k3n"));
    natskit::Client::connect(&config)
        .await
        .unwrap()
        .flush()
        .await
        .unwrap();
    config.token = Some(natskit::config::Secret::new("nope-token"));
    let err = natskit::Client::connect(&config).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Authorization);
    assert!(!err.message().contains("nope-token"), "{err}");

    let in_url = srv.url().replace("nats://", "nats://t0k3n@");
    natskit::connect(&in_url)
        .await
        .unwrap()
        .flush()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_names_host_and_port() {
    let port = natskit::server::free_port().unwrap();
    let err = natskit::connect(&format!("nats://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Connect);
    assert_eq!(
        err.message(),
        format!("connection refused: 127.0.0.1:{port} (is nats-server running there?)")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn close_all_delivers_buffered_publishes_first() {
    let srv = common::server();
    let config = Config::from_json(&format!(
        r#"{{"connections": {{"default": {{"servers": ["{}"]}}}}}}"#,
        srv.url()
    ))
    .unwrap();
    let manager = Manager::new(config);
    let observer = common::client(&srv).await;
    let mut sub = observer.subscribe("closing", None).await.unwrap();
    observer.flush().await.unwrap();
    let client = manager.connection(None).await.unwrap();
    for i in 0..500 {
        client.publish("closing", i.to_string()).await.unwrap();
    }
    manager.close_all().await.unwrap();
    assert!(client.is_closed() && manager.open_connections().is_empty());
    for i in 0..500 {
        let msg = sub.next_timeout(SECOND).await.unwrap();
        assert_eq!(msg.expect("lost on close").data(), i.to_string().as_bytes());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_list_connects_past_a_dead_first_url() {
    let srv = common::server();
    let dead = format!("nats://127.0.0.1:{}", natskit::server::free_port().unwrap());
    let mut config = ConnectionConfig::for_url(&dead);
    config.servers.push(srv.url());
    let client = tokio::time::timeout(Duration::from_secs(10), natskit::Client::connect(&config))
        .await
        .expect("connect is bounded")
        .unwrap();
    let mut sub = client.subscribe("alive", None).await.unwrap();
    client.publish("alive", "yes").await.unwrap();
    assert_eq!(
        sub.next_timeout(SECOND).await.unwrap().unwrap().data(),
        b"yes"
    );
    client.close().await.unwrap();
}
