//! natskit: one Rust core for NATS messaging, JetStream and durable job queues,
//! shared by the C, PHP, Python and Node hosts.
//!
//! ```no_run
//! # async fn demo() -> natskit::Result<()> {
//! let client = natskit::connect("nats://127.0.0.1:4222").await?;
//! let mut sub = client.subscribe("orders.*", None).await?;
//! client.publish("orders.created", "hello").await?;
//! let msg = sub.next_timeout(Some(std::time::Duration::from_secs(1))).await?;
//! assert_eq!(msg.unwrap().data(), b"hello");
//! client.close().await
//! # }
//! ```

pub mod buffer;
pub mod client;
pub mod cluster;
pub mod config;
pub mod duration;
pub mod error;
pub mod events;
pub mod headers;
pub mod health;
pub mod jetstream;
pub mod manager;
pub mod message;
pub mod outbox;
pub mod overview;
pub mod pending;
pub mod queue;
pub mod runtime;
pub mod server;
pub mod service;
pub mod subject;
pub mod subscription;
pub mod timestamp;
pub mod units;

pub use client::{connect, Client, PublishOptions, RequestOptions, Stats};
pub use cluster::LocalCluster;
pub use config::{Config, ConnectionConfig};
pub use error::{Error, ErrorCode, Result};
pub use events::{Event, EventStream};
pub use headers::Headers;
pub use manager::Manager;
pub use message::Message;
pub use pending::{Arrival, PendingRequest};
pub use server::{LocalServer, ServerOptions};
pub use service::{EndpointConfig, Service, ServiceConfig};
pub use subscription::{next_any, Subscription};
pub use units::Unit;

/// The library version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The root README's Rust examples, run as doc tests against a local server by `make test-docs`
/// (tests/docs/run.py sets `--cfg natskit_readme` and `NATS_URL`).
#[cfg(all(doctest, natskit_readme))]
#[doc = include_str!("../../README.md")]
mod readme {}
