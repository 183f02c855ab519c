//! Named connections configured from the environment, a TOML/JSON file or a JSON string.
//!
//! Every host passes its configuration through here, so a bad key fails the same way
//! everywhere: a `CONFIG` error naming the connection and the key.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// The name used when a configuration has a single, unnamed connection.
pub const DEFAULT_CONNECTION: &str = "default";

/// The server tried when nothing is configured.
pub const DEFAULT_SERVER: &str = "nats://127.0.0.1:4222";

/// How many messages a subscription holds before it counts drops (slow consumer).
pub const DEFAULT_SUBSCRIPTION_CAPACITY: usize = 1 << 20;

/// The inbox prefix of reply subjects when none is configured.
pub const DEFAULT_INBOX_PREFIX: &str = "_INBOX";

/// Bytes of publishes held while disconnected, when nothing is configured (nats.go's 8 MiB).
pub const DEFAULT_RECONNECT_BUFFER_SIZE: usize = 8 << 20;

/// A secret string (password, token, seed): usable, but never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for handing to the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// TLS settings of one connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM file of root certificates to trust.
    pub ca: Option<String>,
    /// PEM client certificate (needs `key`).
    pub cert: Option<String>,
    /// PEM client key (needs `cert`).
    pub key: Option<String>,
    /// Start TLS before the server's INFO (server `handshake_first`).
    pub first: bool,
    /// Refuse to connect without TLS.
    pub required: bool,
}

/// Reconnect policy: exponential delay from `delay` up to `max_delay`, plus up to `jitter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconnectConfig {
    /// Attempts before giving up; `null` or -1 means forever (below -1 is a `CONFIG` error).
    pub max_attempts: Option<i64>,
    /// First delay, seconds.
    pub delay: f64,
    /// Largest delay, seconds.
    pub max_delay: f64,
    /// Random extra delay, seconds.
    pub jitter: f64,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            max_attempts: None,
            delay: 0.1,
            max_delay: 2.0,
            jitter: 0.1,
        }
    }
}

/// JetStream settings of one connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JetStreamConfig {
    /// JetStream domain (leaf nodes); `None` for the local account.
    pub domain: Option<String>,
    /// API timeout, seconds.
    pub timeout: f64,
}

impl Default for JetStreamConfig {
    fn default() -> Self {
        JetStreamConfig {
            domain: None,
            timeout: 5.0,
        }
    }
}

/// What a second push with the same unique key does while the first job is pending or running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UniquePolicy {
    /// The push returns no job id and nothing is queued.
    #[default]
    Ignore,
    /// The push fails with a `QUEUE` error.
    Refuse,
}

/// Job queue settings of one connection (see the README's "Job queue").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// The JetStream stream holding every queue of this connection.
    pub stream: String,
    /// Subject prefix: jobs of queue `q` live on `<prefix>.q.<q>`.
    pub subject_prefix: String,
    /// Stream replicas (clusters).
    pub replicas: usize,
    /// Visibility timeout, seconds: a job whose worker stops answering is redelivered after it.
    pub retry_after: f64,
    /// Tries for jobs that set none.
    pub tries: u32,
    /// Also publish failed jobs here (the seed's dead-letter subject).
    pub dead_letter_subject: Option<String>,
    /// Key-value bucket of the failed-jobs store.
    pub failed_bucket: String,
    /// Key-value bucket of unique-job locks.
    pub unique_bucket: String,
    /// What a duplicate unique push does.
    pub unique: UniquePolicy,
    /// Seconds a unique lock lasts at most after its job becomes available (whole seconds,
    /// at least 1): a lock whose job was never stored or whose release was lost expires then.
    pub unique_for: f64,
    /// Where queues live: all in `stream` (`shared`), or each in its own (`per-queue`).
    pub streams: StreamLayout,
    /// Subject prefix of per-queue streams: queue `q` lives on `<prefix>.q.<q>` in stream
    /// `<stream>_<q>` (apart from `subject_prefix`, so both layouts can coexist).
    pub per_queue_prefix: String,
    /// Where the server places new queue streams (cluster name, server tags).
    pub placement: Option<Placement>,
    /// Settings of single queues that differ from the connection's.
    pub queues: std::collections::BTreeMap<String, QueueOverride>,
}

/// Where the jobs of a queue are stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamLayout {
    /// Every queue of the connection in one work-queue stream (one stream leader).
    #[default]
    Shared,
    /// Each queue in its own work-queue stream, so their leaders can be on different servers.
    PerQueue,
}

/// The server's stream placement: a cluster and tags a server must have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Placement {
    /// The cluster to place the stream in (`None`: the one the request reaches).
    pub cluster: Option<String>,
    /// Server tags the stream's servers must all have.
    pub tags: Vec<String>,
}

/// One queue's own settings (`queue.queues.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueOverride {
    /// This queue's layout instead of `queue.streams`.
    pub streams: Option<StreamLayout>,
    /// This queue's stream placement instead of `queue.placement` (per-queue layout).
    pub placement: Option<Placement>,
    /// Spread the queue's jobs over this many partitions (subjects, and streams in the
    /// per-queue layout), 1 to 64; unset or 1: not partitioned.
    pub partitions: Option<u32>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            stream: "NATSKIT_JOBS".into(),
            subject_prefix: "natskit.jobs".into(),
            replicas: 1,
            retry_after: 60.0,
            tries: 1,
            dead_letter_subject: None,
            failed_bucket: "natskit_failed".into(),
            unique_bucket: "natskit_unique".into(),
            unique: UniquePolicy::Ignore,
            unique_for: 86_400.0,
            streams: StreamLayout::Shared,
            per_queue_prefix: "natskit.queue".into(),
            placement: None,
            queues: Default::default(),
        }
    }
}

impl QueueConfig {
    /// `retry_after` as a `Duration`.
    pub fn retry_after(&self) -> Result<Duration> {
        let d = seconds(self.retry_after, "queue.retry_after")?;
        if d < Duration::from_millis(100) {
            return Err(Error::config("queue.retry_after: must be at least 0.1 s"));
        }
        Ok(d)
    }

    /// `unique_for` as a `Duration` of whole seconds (the server's TTL resolution).
    pub fn unique_for(&self) -> Result<Duration> {
        let d = seconds(self.unique_for, "queue.unique_for")?;
        if d < Duration::from_secs(1) || d.subsec_nanos() != 0 {
            return Err(Error::config(
                "queue.unique_for: must be whole seconds, at least 1",
            ));
        }
        Ok(d)
    }

    /// The layout of queue `name`: its own setting, else the connection's.
    pub fn layout(&self, name: &str) -> StreamLayout {
        self.queues
            .get(name)
            .and_then(|q| q.streams)
            .unwrap_or(self.streams)
    }

    /// The placement of queue `name`'s own stream: its own setting, else the connection's.
    pub fn placement_of(&self, name: &str) -> Option<&Placement> {
        self.queues
            .get(name)
            .and_then(|q| q.placement.as_ref())
            .or(self.placement.as_ref())
    }

    /// How many partitions queue `name` has (1: not partitioned).
    pub fn partitions_of(&self, name: &str) -> u32 {
        self.queues
            .get(name)
            .and_then(|q| q.partitions)
            .unwrap_or(1)
    }

    /// Checks the subject prefixes are valid and apart, and the queue names valid.
    fn validate(&self) -> Result<()> {
        for (prefix, key) in [
            (&self.subject_prefix, "queue.subject_prefix"),
            (&self.per_queue_prefix, "queue.per_queue_prefix"),
        ] {
            crate::subject::validate_publish(prefix).map_err(|e| e.context(key))?;
        }
        let nested = |a: &str, b: &str| a == b || b.starts_with(&format!("{a}."));
        if nested(&self.subject_prefix, &self.per_queue_prefix)
            || nested(&self.per_queue_prefix, &self.subject_prefix)
        {
            return Err(Error::config(format!(
                "queue.per_queue_prefix: {:?} overlaps queue.subject_prefix {:?}; \
                 the two layouts need subjects apart",
                self.per_queue_prefix, self.subject_prefix
            )));
        }
        if let Some((name, q)) = self
            .queues
            .iter()
            .find(|(_, q)| q.partitions.is_some_and(|n| !(1..=64).contains(&n)))
        {
            return Err(Error::config(format!(
                "queue.queues.{name}.partitions: {} is not from 1 to 64",
                q.partitions.unwrap_or_default()
            )));
        }
        if let Some(name) = self
            .queues
            .keys()
            .find(|n| crate::queue::check_queue_name(n).is_err())
        {
            return Err(Error::config(format!(
                "queue.queues: {name:?} is not a queue name (letters, digits, '-' and '_')"
            )));
        }
        Ok(())
    }
}

/// Everything needed to open one connection.
///
/// `Debug` hides the secrets, including credentials written into a server URL.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionConfig {
    /// Server URLs (`nats://host:port`, `tls://…`, `host:port`); a comma-separated string is accepted.
    #[serde(deserialize_with = "servers_list", alias = "url")]
    pub servers: Vec<String>,
    /// Seed-style host, used with `port` when `servers` is empty.
    pub host: Option<String>,
    /// Seed-style port (a number, or digits as env values come).
    #[serde(deserialize_with = "port_number")]
    pub port: Option<u16>,
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password.
    pub password: Option<Secret>,
    /// Token authentication.
    pub token: Option<Secret>,
    /// Path to a `.creds` file (JWT + seed).
    pub creds: Option<String>,
    /// NKey seed (`SU…`).
    pub nkey_seed: Option<Secret>,
    /// TLS settings.
    pub tls: TlsConfig,
    /// Client name shown by the server's monitoring.
    pub name: Option<String>,
    /// Seconds to wait for the first connection.
    pub connect_timeout: f64,
    /// Default request timeout, seconds.
    pub request_timeout: f64,
    /// Seconds between client pings; `None` keeps the library default.
    pub ping_interval: Option<f64>,
    /// Reconnect policy.
    pub reconnect: ReconnectConfig,
    /// Messages a subscription may hold before further ones are dropped and counted.
    pub subscription_capacity: usize,
    /// Prefix of the inbox subjects replies to this connection's requests come back on.
    pub inbox_prefix: String,
    /// The server does not send this connection the messages it publishes itself.
    pub no_echo: bool,
    /// When no server answers the first connect, keep trying with the `reconnect` policy
    /// (`connect()` returns once connected, or fails once `max_attempts` retries failed).
    pub retry_on_initial_connect: bool,
    /// Bytes of publishes (subject, reply, headers, payload) held while disconnected; past it
    /// a publish fails with `CONNECT`. 0: publishes fail at once while disconnected.
    pub reconnect_buffer_size: usize,
    /// Connect only to the configured servers, never to ones a cluster announces.
    pub ignore_discovered_servers: bool,
    /// Try the servers in random order (`false`: in the configured order).
    pub randomize: bool,
    /// JetStream settings.
    pub jetstream: JetStreamConfig,
    /// Job queue settings.
    pub queue: QueueConfig,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            servers: Vec::new(),
            host: None,
            port: None,
            user: None,
            password: None,
            token: None,
            creds: None,
            nkey_seed: None,
            tls: TlsConfig::default(),
            name: None,
            connect_timeout: 5.0,
            request_timeout: 5.0,
            ping_interval: None,
            reconnect: ReconnectConfig::default(),
            subscription_capacity: DEFAULT_SUBSCRIPTION_CAPACITY,
            inbox_prefix: DEFAULT_INBOX_PREFIX.to_string(),
            no_echo: false,
            retry_on_initial_connect: false,
            reconnect_buffer_size: DEFAULT_RECONNECT_BUFFER_SIZE,
            ignore_discovered_servers: false,
            randomize: true,
            jetstream: JetStreamConfig::default(),
            queue: QueueConfig::default(),
        }
    }
}

impl fmt::Debug for ConnectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self.servers.iter().map(|u| redact_url(u)).collect();
        f.debug_struct("ConnectionConfig")
            .field("servers", &servers)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password)
            .field("token", &self.token)
            .field("creds", &self.creds)
            .field("nkey_seed", &self.nkey_seed)
            .field("tls", &self.tls)
            .field("name", &self.name)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("ping_interval", &self.ping_interval)
            .field("reconnect", &self.reconnect)
            .field("subscription_capacity", &self.subscription_capacity)
            .field("inbox_prefix", &self.inbox_prefix)
            .field("no_echo", &self.no_echo)
            .field("retry_on_initial_connect", &self.retry_on_initial_connect)
            .field("reconnect_buffer_size", &self.reconnect_buffer_size)
            .field("ignore_discovered_servers", &self.ignore_discovered_servers)
            .field("randomize", &self.randomize)
            .field("jetstream", &self.jetstream)
            .field("queue", &self.queue)
            .finish()
    }
}

fn servers_list<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Servers {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Servers>::deserialize(d)? {
        None => Vec::new(),
        Some(Servers::One(s)) => split_servers(&s),
        Some(Servers::Many(v)) => v,
    })
}

fn port_number<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u16>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Port {
        Number(u16),
        Text(String),
    }
    match Option::<Port>::deserialize(d)? {
        None => Ok(None),
        Some(Port::Number(p)) => Ok(Some(p)),
        Some(Port::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Port::Text(t)) => t.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("port {t:?} is not a number from 0 to 65535"))
        }),
    }
}

fn split_servers(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Converts seconds from a config to a `Duration` (a `CONFIG` error when it cannot be one).
fn seconds(value: f64, key: &str) -> Result<Duration> {
    crate::duration::seconds(value, key).map_err(|e| Error::config(e.message().to_string()))
}

/// A host's config object with its durations in seconds (a `CONFIG` error when one is bad).
fn host_seconds(value: Value, unit: crate::Unit) -> Result<Value> {
    crate::units::Object::Config
        .from_host(value, unit)
        .map_err(|e| Error::config(e.message().to_string()))
}

impl ConnectionConfig {
    /// A configuration for one server URL (or a comma-separated list).
    pub fn for_url(url: &str) -> Self {
        ConnectionConfig {
            servers: split_servers(url),
            ..Default::default()
        }
    }

    /// Reads one connection from a JSON object.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::config(format!("invalid JSON: {e}")))?;
        let config = parse_connection(value, DEFAULT_CONNECTION)?;
        Ok(config)
    }

    /// Reads one connection from a host's config object, durations in the host's `unit`.
    pub fn from_host(value: Value, unit: crate::Unit) -> Result<Self> {
        parse_connection(host_seconds(value, unit)?, DEFAULT_CONNECTION)
    }

    /// The server URLs to use: `servers`, else `host`/`port`, else the local default.
    pub fn server_urls(&self) -> Vec<String> {
        if !self.servers.is_empty() {
            return self.servers.clone();
        }
        match (&self.host, self.port) {
            (None, None) => vec![DEFAULT_SERVER.to_string()],
            (host, port) => vec![format!(
                "nats://{}:{}",
                host.as_deref().unwrap_or("127.0.0.1"),
                port.unwrap_or(4222)
            )],
        }
    }

    /// [`ConnectionConfig::server_urls`] with credentials hidden, for messages and logs.
    pub fn servers_for_display(&self) -> Vec<String> {
        self.server_urls().iter().map(|u| redact_url(u)).collect()
    }

    /// Checks everything that can be checked without connecting.
    pub fn validate(&self) -> Result<()> {
        for url in self.server_urls() {
            parse_server(&url)?;
        }
        if self.token.is_some() && (self.user.is_some() || self.password.is_some()) {
            return Err(Error::config(
                "token: set either token or user/password, not both",
            ));
        }
        if self.password.is_some() && self.user.is_none() {
            return Err(Error::config("password: set user as well"));
        }
        if let Some(seed) = &self.nkey_seed {
            nkeys::KeyPair::from_seed(seed.expose()).map_err(|_| {
                Error::config("nkey_seed: not a valid NKey seed (a user seed starts with SU)")
            })?;
        }
        if self.reconnect.max_attempts.is_some_and(|m| m < -1) {
            return Err(Error::config(
                "reconnect.max_attempts: must be 0 or more, or -1 (or unset) for forever",
            ));
        }
        if !(1..=5).contains(&self.queue.replicas) {
            return Err(Error::config(format!(
                "queue.replicas: {} is not from 1 to 5 (the server's range)",
                self.queue.replicas
            )));
        }
        if let Some(creds) = &self.creds {
            std::fs::read_to_string(creds)
                .map_err(|e| Error::config(format!("creds: cannot read {creds}: {e}")))?;
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err(Error::config("tls: cert and key go together"));
        }
        let pem_files = [
            (&self.tls.ca, "tls.ca", "CERTIFICATE-----"),
            (&self.tls.cert, "tls.cert", "CERTIFICATE-----"),
            (&self.tls.key, "tls.key", "PRIVATE KEY-----"),
        ];
        for (path, key, marker) in pem_files {
            if let Some(path) = path {
                check_pem_file(path, key, marker)?;
            }
        }
        self.connect_timeout()?;
        self.request_timeout()?;
        self.ping_interval()?;
        seconds(self.reconnect.delay, "reconnect.delay")?;
        seconds(self.reconnect.max_delay, "reconnect.max_delay")?;
        seconds(self.reconnect.jitter, "reconnect.jitter")?;
        self.jetstream_timeout()?;
        self.queue.retry_after()?;
        self.queue.unique_for()?;
        if let Some(dlq) = &self.queue.dead_letter_subject {
            crate::subject::validate_publish(dlq)
                .map_err(|e| e.context("queue.dead_letter_subject"))?;
        }
        self.queue.validate()?;
        if self.subscription_capacity == 0 {
            return Err(Error::config("subscription_capacity: must be at least 1"));
        }
        crate::subject::validate_publish(&self.inbox_prefix)
            .map_err(|e| Error::config(format!("inbox_prefix: {}", e.message())))?;
        Ok(())
    }

    /// `connect_timeout` as a `Duration`.
    pub fn connect_timeout(&self) -> Result<Duration> {
        seconds(self.connect_timeout, "connect_timeout")
    }

    /// `request_timeout` as a `Duration`.
    pub fn request_timeout(&self) -> Result<Duration> {
        seconds(self.request_timeout, "request_timeout")
    }

    /// `ping_interval` as a `Duration`, if set.
    pub fn ping_interval(&self) -> Result<Option<Duration>> {
        self.ping_interval
            .map(|s| seconds(s, "ping_interval"))
            .transpose()
    }

    /// `jetstream.timeout` as a `Duration`.
    pub fn jetstream_timeout(&self) -> Result<Duration> {
        seconds(self.jetstream.timeout, "jetstream.timeout")
    }

    /// The delay before connection attempt `attempt` (async-nats counts from 1, and its
    /// first attempt is the initial connect or the first try after a loss: no delay).
    pub fn reconnect_delay(&self, attempt: usize) -> Duration {
        let r = &self.reconnect;
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let exp = r.delay * 2f64.powi(attempt.saturating_sub(2).min(30) as i32);
        let jitter = r.jitter * pseudo_random_fraction(attempt);
        crate::duration::saturating_seconds(exp.min(r.max_delay) + jitter)
    }

    fn from_env_map(env: &HashMap<String, String>) -> Result<Self> {
        let get = |k: &str| env.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut c = ConnectionConfig::default();
        if let Some(url) = get("NATS_URL") {
            c.servers = split_servers(url);
        } else if get("NATS_HOST").is_some() || get("NATS_PORT").is_some() {
            c.host = get("NATS_HOST").map(String::from);
            if let Some(port) = get("NATS_PORT") {
                c.port = Some(parse_port(port).map_err(|e| e.context("NATS_PORT"))?);
            }
        }
        c.user = get("NATS_USER").map(String::from);
        c.password = get("NATS_PASSWORD").map(Secret::new);
        c.token = get("NATS_TOKEN").map(Secret::new);
        c.creds = get("NATS_CREDS").map(String::from);
        c.nkey_seed = get("NATS_NKEY_SEED").map(Secret::new);
        c.tls.ca = get("NATS_TLS_CA").map(String::from);
        c.tls.cert = get("NATS_TLS_CERT").map(String::from);
        c.tls.key = get("NATS_TLS_KEY").map(String::from);
        if let Some(first) = get("NATS_TLS_FIRST") {
            c.tls.first = parse_bool(first).map_err(|e| e.context("NATS_TLS_FIRST"))?;
        }
        if let Some(prefix) = get("NATS_INBOX_PREFIX") {
            c.inbox_prefix = prefix.to_string();
        }
        let flags = [
            ("NATS_NO_ECHO", &mut c.no_echo),
            (
                "NATS_RETRY_ON_INITIAL_CONNECT",
                &mut c.retry_on_initial_connect,
            ),
            (
                "NATS_IGNORE_DISCOVERED_SERVERS",
                &mut c.ignore_discovered_servers,
            ),
            ("NATS_RANDOMIZE", &mut c.randomize),
        ];
        for (var, flag) in flags {
            if let Some(value) = get(var) {
                *flag = parse_bool(value).map_err(|e| e.context(var))?;
            }
        }
        if let Some(size) = get("NATS_RECONNECT_BUFFER_SIZE") {
            c.reconnect_buffer_size = size.parse().map_err(|_| {
                Error::config(format!(
                    "NATS_RECONNECT_BUFFER_SIZE: {size:?} is not a whole number of bytes (0 or more)"
                ))
            })?;
        }
        c.validate()
            .map_err(|e| e.context("environment (NATS_*)"))?;
        Ok(c)
    }
}

/// A TLS file that exists and holds a PEM block of the expected kind (a CA file that
/// holds none would otherwise trust nothing and fail later as an unknown issuer).
fn check_pem_file(path: &str, key: &str, marker: &str) -> Result<()> {
    let text = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => e.to_string(),
        };
        Error::config(format!("{key}: cannot read {path}: {why}"))
    })?;
    if !String::from_utf8_lossy(&text).contains(marker) {
        return Err(Error::config(format!(
            "{key}: {path} is not a PEM file (no \"-----BEGIN ...{marker}\" block)"
        )));
    }
    Ok(())
}

fn pseudo_random_fraction(seed: usize) -> f64 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(seed) % 10_000) as f64 / 10_000.0
}

fn parse_port(port: &str) -> Result<u16> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(Error::config(format!("invalid port {port:?} (1-65535)"))),
    }
}

fn parse_bool(value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::config(format!("{value:?} is not a boolean"))),
    }
}

/// Parses one server URL, naming it in the error.
pub(crate) fn parse_server(url: &str) -> Result<async_nats::ServerAddr> {
    let shown = redact_url(url);
    let addr = async_nats::ServerAddr::from_str(url)
        .map_err(|e| Error::config(format!("servers: malformed URL {shown:?}: {e}")))?;
    if addr.port() == 0 {
        return Err(Error::config(format!("servers: invalid port in {shown:?}")));
    }
    Ok(addr)
}

/// `url` with the credentials in its user part hidden (`nats://bob:***@host`, `nats://***@host`),
/// fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    let hidden = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => "***".to_string(),
    };
    let scheme = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    format!("{scheme}{hidden}@{host}")
}

/// `url` without its user part: natskit hands URL credentials to the connection itself
/// ([`url_credentials`]), so the addresses async-nats keeps (and may log) carry none.
pub(crate) fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    match rest.rsplit_once('@') {
        Some((_, host)) if scheme.is_empty() => host.to_string(),
        Some((_, host)) => format!("{scheme}://{host}"),
        None => url.to_string(),
    }
}

/// Credentials given in a server URL: `nats://user:password@host` or `nats://token@host`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UrlCredentials {
    /// `user:password@`.
    UserPassword(String, Secret),
    /// `token@`.
    Token(Secret),
}

/// The credentials of the first server URL that carries some (percent-decoded).
pub(crate) fn url_credentials(urls: &[String]) -> Option<UrlCredentials> {
    urls.iter().find_map(|url| {
        let parsed = url::Url::parse(url).ok()?;
        let user = percent_decode(parsed.username());
        match parsed.password() {
            Some(password) => Some(UrlCredentials::UserPassword(
                user,
                Secret::new(percent_decode(password)),
            )),
            None if !user.is_empty() => Some(UrlCredentials::Token(Secret::new(user))),
            None => None,
        }
    })
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The dotted key of the first NaN or infinite float in a TOML table (JSON has no form for
/// them: they would silently become "unset").
fn non_finite_key(table: &toml::Table) -> Option<String> {
    table.iter().find_map(|(key, value)| match value {
        toml::Value::Float(f) if !f.is_finite() => Some(key.clone()),
        toml::Value::Table(inner) => non_finite_key(inner).map(|k| format!("{key}.{k}")),
        toml::Value::Array(items) => items.iter().find_map(|item| match item {
            toml::Value::Float(f) if !f.is_finite() => Some(key.clone()),
            toml::Value::Table(inner) => non_finite_key(inner).map(|k| format!("{key}.{k}")),
            _ => None,
        }),
        _ => None,
    })
}

fn parse_connection(value: Value, name: &str) -> Result<ConnectionConfig> {
    let config: ConnectionConfig = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let key = if path == "." {
            String::new()
        } else {
            format!("{path}: ")
        };
        Error::config(format!("connection {name:?}: {key}{}", e.inner()))
    })?;
    config
        .validate()
        .map_err(|e| e.context(format_args!("connection {name:?}")))?;
    Ok(config)
}

/// Named connections and which one is the default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// The connection used when no name is given.
    pub default: String,
    /// Every connection by name.
    pub connections: BTreeMap<String, ConnectionConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config::single(ConnectionConfig::default())
    }
}

impl Config {
    /// A configuration with one connection named `default`.
    pub fn single(connection: ConnectionConfig) -> Self {
        Config {
            default: DEFAULT_CONNECTION.to_string(),
            connections: BTreeMap::from([(DEFAULT_CONNECTION.to_string(), connection)]),
        }
    }

    /// Reads the process environment: `NATSKIT_CONFIG` names a file; otherwise the
    /// `NATS_*` variables describe one connection. `NATS_CONNECTION` picks the default.
    pub fn from_env() -> Result<Self> {
        Self::from_env_vars(std::env::vars())
    }

    /// Like [`Config::from_env`], from the given variables.
    pub fn from_env_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        let env: HashMap<String, String> = vars.into_iter().collect();
        let named = env
            .get("NATS_CONNECTION")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let mut config = match env.get("NATSKIT_CONFIG").filter(|p| !p.trim().is_empty()) {
            Some(path) => Config::from_file(path.trim())?,
            None => {
                let conn = ConnectionConfig::from_env_map(&env)?;
                let name = named
                    .clone()
                    .unwrap_or_else(|| DEFAULT_CONNECTION.to_string());
                Config {
                    default: name.clone(),
                    connections: BTreeMap::from([(name, conn)]),
                }
            }
        };
        if let Some(name) = named {
            config.default = name;
            config.check_default()?;
        }
        Ok(config)
    }

    /// Reads a TOML (`.toml`) or JSON file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read {}: {e}", path.display())))?;
        let value = if path.extension().is_some_and(|e| e == "toml") {
            let table: toml::Table = toml::from_str(&text)
                .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
            if let Some(key) = non_finite_key(&table) {
                return Err(Error::config(format!(
                    "{}: {key}: nan and inf are not numbers natskit can use",
                    path.display()
                )));
            }
            serde_json::to_value(table)?
        } else {
            serde_json::from_str(&text)
                .map_err(|e| Error::config(format!("{}: invalid JSON: {e}", path.display())))?
        };
        if value.as_object().is_some_and(|o| o.is_empty()) {
            return Err(Error::config(format!(
                "{}: the file configures nothing (set servers, or [connections.<name>])",
                path.display()
            )));
        }
        Config::from_value(value).map_err(|e| e.context(path.display()))
    }

    /// Reads JSON text: either `{"default": …, "connections": {…}}` or one connection's keys.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::config(format!("invalid JSON: {e}")))?;
        Config::from_value(value)
    }

    /// Reads a host's config object, its durations (`request_timeout`, `reconnect.delay`, ...)
    /// in the host's `unit` (files and the environment use seconds).
    pub fn from_host(value: Value, unit: crate::Unit) -> Result<Self> {
        Config::from_value(host_seconds(value, unit)?)
    }

    /// Reads an already-parsed JSON value (see [`Config::from_json`]).
    pub fn from_value(value: Value) -> Result<Self> {
        let Value::Object(mut map) = value else {
            return Err(Error::config("configuration must be an object"));
        };
        if !map.contains_key("connections") {
            let conn = parse_connection(Value::Object(map), DEFAULT_CONNECTION)?;
            return Ok(Config::single(conn));
        }
        let connections = match map.remove("connections") {
            Some(Value::Object(c)) if !c.is_empty() => c,
            _ => return Err(Error::config("connections: must be a non-empty table")),
        };
        let default = match map.remove("default") {
            None => connections
                .keys()
                .find(|k| *k == DEFAULT_CONNECTION)
                .or_else(|| connections.keys().next())
                .cloned()
                .unwrap_or_default(),
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(Error::config(format!(
                    "default: expected a connection name, got {other}"
                )))
            }
        };
        if let Some(key) = map.keys().next() {
            return Err(Error::config(format!(
                "unknown key {key:?} (expected \"default\" or \"connections\")"
            )));
        }
        let connections = connections
            .into_iter()
            .map(|(name, v)| parse_connection(v, &name).map(|c| (name, c)))
            .collect::<Result<_>>()?;
        let config = Config {
            default,
            connections,
        };
        config.check_default()?;
        Ok(config)
    }

    /// The named connection's settings (`None` = the default connection).
    pub fn connection(&self, name: Option<&str>) -> Result<&ConnectionConfig> {
        let name = name.unwrap_or(&self.default);
        self.connections.get(name).ok_or_else(|| {
            Error::config(format!(
                "no connection named {name:?} (configured: {})",
                self.names().join(", ")
            ))
        })
    }

    /// Connection names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.connections.keys().cloned().collect()
    }

    fn check_default(&self) -> Result<()> {
        self.connection(None)
            .map(|_| ())
            .map_err(|e| e.context("default"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_printed() {
        let c = ConnectionConfig {
            user: Some("bob".into()),
            password: Some(Secret::new("hunter2")),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        let in_url = ConnectionConfig::for_url("nats://bob:pw-S3CRET@h:1,nats://t0k3n@h:2");
        let shown = format!("{:?}", Config::single(in_url));
        assert!(
            !shown.contains("pw-S3CRET") && !shown.contains("t0k3n"),
            "{shown}"
        );
        assert!(
            shown.contains("bob:***@h:1") && shown.contains("***@h:2"),
            "{shown}"
        );
    }

    #[test]
    fn reconnect_delay_grows_and_caps() {
        let c = ConnectionConfig::default();
        assert_eq!(
            c.reconnect_delay(1),
            Duration::ZERO,
            "first attempt is immediate"
        );
        assert!(c.reconnect_delay(2) >= Duration::from_millis(100));
        assert!(c.reconnect_delay(4) >= Duration::from_millis(400));
        assert!(c.reconnect_delay(50) <= Duration::from_millis(2100));
    }

    #[test]
    fn host_config_objects_use_the_host_unit() {
        let ms = serde_json::json!({"request_timeout": 2500, "queue": {"retry_after": 90_000}});
        let c = ConnectionConfig::from_host(ms, crate::Unit::Milliseconds).unwrap();
        assert_eq!(c.request_timeout, 2.5);
        assert_eq!(c.queue.retry_after, 90.0);
        let s = serde_json::json!({"connections": {"a": {"connect_timeout": 1.5}}});
        let c = Config::from_host(s, crate::Unit::Seconds).unwrap();
        assert_eq!(c.connections["a"].connect_timeout, 1.5);
        let bad = serde_json::json!({"request_timeout": -5});
        let err = ConnectionConfig::from_host(bad, crate::Unit::Milliseconds).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Config);
    }
}
