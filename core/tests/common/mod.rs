//! Shared helpers: every test starts its own nats-server on a free loopback port.

#![allow(dead_code)]

pub mod jwt;

use std::time::Duration;

use natskit::{Client, ConnectionConfig, LocalServer};

/// A JetStream-enabled server on a free port.
pub fn server() -> LocalServer {
    LocalServer::start().expect("start nats-server (run `make setup` or set NATS_SERVER_BIN)")
}

/// A client connected to `server`.
pub async fn client(server: &LocalServer) -> Client {
    natskit::connect(&server.url()).await.expect("connect")
}

/// A client with a custom configuration pointing at `server`.
pub async fn client_with(server: &LocalServer, mut config: ConnectionConfig) -> Client {
    config.servers = vec![server.url()];
    Client::connect(&config).await.expect("connect")
}

/// One second.
pub const SECOND: Option<Duration> = Some(Duration::from_secs(1));

/// A short wait, to prove something does not arrive.
pub const SHORT: Option<Duration> = Some(Duration::from_millis(200));
