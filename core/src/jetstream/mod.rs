//! JetStream: streams, consumers, pull consumption, publish with ack, KV buckets and
//! object stores.
//!
//! Configurations and infos cross every host as JSON in the server's own field names
//! (`max_msgs`, `max_age`, `num_pending`, ...), with durations in the context's [`Unit`]
//! (nanoseconds as the server has them unless a host asks for its own, see
//! [`Context::with_unit`]), so a binding only converts JSON to and from its native objects. Management calls go straight to the server's
//! `$JS.API` (through async-nats' JetStream context); pulls, publishes and KV use
//! async-nats' typed API.

pub(crate) mod ack;
mod consume;
mod consumer;
pub(crate) mod election;
pub(crate) mod error;
mod kv;
mod object_store;
mod ordered;
mod publish;
mod pull;
mod stream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::context::RequestErrorKind;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::units::Unit;

pub use consume::{ConsumeOptions, Messages, MessagesControl, DEFAULT_HEARTBEAT};
pub use consumer::PauseState;
pub use kv::{Kv, KvConfig, KvEntry, KvOperation, KvWatch, KvWatchControl, KvWatchOptions};
pub use object_store::{
    ObjectInfo, ObjectLink, ObjectReader, ObjectStore, ObjectStoreConfig, ObjectWatch,
    ObjectWatchControl, ObjectWatchOptions, PutOptions as ObjectPutOptions,
};
pub use ordered::{OrderedOptions, Start};
pub use publish::{AsyncPublisher, PubAck, PublishOptions, PublishSummary};
pub use pull::{FetchOptions, JsMessage, Metadata, PullConsumer};
pub use stream::{PurgeOptions, StoredMessage};

/// One page of a paged JetStream listing, as the server returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// How many items exist in total.
    pub total: u64,
    /// The index of the first item on this page.
    pub offset: u64,
    /// The server's page size.
    pub limit: u64,
    /// The items (stream or consumer infos in the server's JSON).
    pub items: Vec<Value>,
}

impl Page {
    /// The page with its items' durations in `unit`.
    pub(crate) fn into_host(mut self, object: crate::units::Object, unit: Unit) -> Page {
        self.items = self
            .items
            .into_iter()
            .map(|item| object.to_host(item, unit))
            .collect();
        self
    }
}

/// The JetStream API of one connection, with its domain and API timeout.
/// Cloning is cheap.
#[derive(Clone)]
pub struct Context {
    client: Client,
    js: async_nats::jetstream::Context,
    timeout: Duration,
    unit: Unit,
    consumers: Arc<Mutex<HashMap<(String, String), PullConsumer>>>,
    /// Whether each stream read so far allows direct gets (learned from its config or a try).
    direct: Arc<Mutex<HashMap<String, bool>>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("domain", &self.client.config().jetstream.domain)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Context {
    /// The JetStream context of `client`, using its `jetstream.domain` and `jetstream.timeout`.
    /// Callable from any thread (blocking hosts included): it enters the shared runtime.
    pub fn new(client: &Client) -> Context {
        let timeout = client
            .config()
            .jetstream_timeout()
            .unwrap_or(Duration::from_secs(5));
        Context {
            js: crate::runtime::enter(|| build_context(client, timeout)),
            client: client.clone(),
            timeout,
            unit: Unit::Nanoseconds,
            consumers: Arc::default(),
            direct: Arc::default(),
        }
    }

    /// This context with durations of configs and infos in `unit` (a host's unit) instead of
    /// the server's nanoseconds; core converts both ways (see [`crate::units`]).
    pub fn with_unit(mut self, unit: Unit) -> Context {
        self.unit = unit;
        self
    }

    /// The unit of durations in configs and infos.
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// The connection this context uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The underlying async-nats JetStream context, for what natskit does not wrap.
    pub fn nats(&self) -> &async_nats::jetstream::Context {
        &self.js
    }

    /// The API timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True when the server (and account) answers the JetStream API.
    pub async fn is_available(&self) -> bool {
        self.account_info().await.is_ok()
    }

    /// The account's JetStream usage and limits (`$JS.API.INFO`), in the server's JSON.
    pub async fn account_info(&self) -> Result<Value> {
        self.api("INFO", &serde_json::json!({})).await
    }

    /// Sends one `$JS.API` request (`subject` without the prefix) and returns the
    /// server's JSON answer, or its error as a natskit [`Error`] with `err_code`.
    pub async fn api<T: Serialize + ?Sized>(&self, subject: &str, body: &T) -> Result<Value> {
        self.client.check_open()?;
        let response: Value = self
            .js
            .request(subject.to_string(), body)
            .await
            .map_err(|e| self.request_error(subject, e))?;
        match response.get("error") {
            Some(err) => Err(error::from_api(err)),
            None => Ok(response),
        }
    }

    fn request_error(
        &self,
        subject: &str,
        err: async_nats::jetstream::context::RequestError,
    ) -> Error {
        match err.kind() {
            RequestErrorKind::NoResponders => error::not_enabled(self.domain()),
            RequestErrorKind::TimedOut => Error::timeout(format!(
                "JetStream API {subject} did not answer within {} ms",
                self.timeout.as_millis()
            )),
            _ => error::from_nats(&err, "JetStream API"),
        }
    }

    pub(crate) fn domain(&self) -> Option<&str> {
        self.client.config().jetstream.domain.as_deref()
    }
}

impl Client {
    /// The JetStream API of this connection (domain and timeout from its `jetstream` settings).
    pub fn jetstream(&self) -> Context {
        Context::new(self)
    }
}

fn build_context(client: &Client, timeout: Duration) -> async_nats::jetstream::Context {
    let builder = async_nats::jetstream::ContextBuilder::new();
    let builder = match &client.config().jetstream.domain {
        Some(domain) => builder.domain(domain.clone()).timeout(timeout),
        None => builder.timeout(timeout),
    };
    builder.build(client.nats().clone())
}

/// Checks a stream, consumer or bucket name before it goes into an API subject.
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name.chars().any(|c| {
            c.is_whitespace() || c == '.' || c == '*' || c == '>' || c == '/' || c == '\\'
        });
    if bad {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "invalid {what} name {name:?}: it must be non-empty without '.', '*', '>', '/', '\\' or whitespace"
            ),
        ));
    }
    Ok(())
}
