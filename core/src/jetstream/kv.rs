//! Key-value buckets: create/get a bucket, put, get, create (only if absent), update
//! (compare-and-set on the revision), delete, purge, keys, history and watch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv;
use async_nats::jetstream::stream::{LastRawMessageErrorKind, StorageType};
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::from_nats;
use super::{check_name, Context};
use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::runtime;
use crate::units::Object;

/// The server's `err_code` for a failed expectation on the last sequence.
const WRONG_LAST_SEQUENCE: u64 = 10071;

/// A bucket's settings; as JSON `max_age` is in nanoseconds like the server's (hosts read
/// theirs in their unit with [`Context::kv_config`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KvConfig {
    /// Bucket name.
    pub bucket: String,
    /// Human readable description.
    pub description: String,
    /// Revisions kept per key (1-64).
    pub history: i64,
    /// Entry lifetime; zero keeps entries forever.
    #[serde(with = "crate::units::nanos")]
    pub max_age: Duration,
    /// Largest total size in bytes; -1 for unlimited.
    pub max_bytes: i64,
    /// Largest value in bytes; -1 for unlimited.
    pub max_value_size: i32,
    /// `"file"` or `"memory"`.
    pub storage: String,
    /// Replicas in a cluster.
    pub num_replicas: usize,
}

impl Default for KvConfig {
    fn default() -> Self {
        KvConfig {
            bucket: String::new(),
            description: String::new(),
            history: 1,
            max_age: Duration::ZERO,
            max_bytes: -1,
            max_value_size: -1,
            storage: "file".to_string(),
            num_replicas: 1,
        }
    }
}

impl KvConfig {
    fn to_nats(&self) -> Result<kv::Config> {
        check_name("bucket", &self.bucket)?;
        let storage = match self.storage.as_str() {
            "file" | "" => StorageType::File,
            "memory" => StorageType::Memory,
            other => {
                return Err(Error::invalid_argument(format!(
                    "kv storage: {other:?} is not \"file\" or \"memory\""
                )))
            }
        };
        if !(1..=64).contains(&self.history) {
            return Err(Error::invalid_argument("kv history: must be 1 to 64"));
        }
        Ok(kv::Config {
            bucket: self.bucket.clone(),
            description: self.description.clone(),
            history: self.history,
            max_age: self.max_age,
            max_bytes: self.max_bytes,
            max_value_size: self.max_value_size,
            storage,
            num_replicas: self.num_replicas.max(1),
            ..Default::default()
        })
    }
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum KvOperation {
    /// A value was put.
    Put,
    /// The key was deleted (history kept).
    Del,
    /// The key was purged (history removed).
    Purge,
}

impl KvOperation {
    /// `"PUT"`, `"DEL"` or `"PURGE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KvOperation::Put => "PUT",
            KvOperation::Del => "DEL",
            KvOperation::Purge => "PURGE",
        }
    }
}

/// One revision of a key. Serialized (for hosts) without its value, which each host
/// hands over as its own bytes type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KvEntry {
    /// Bucket name.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The value (empty for deletes and purges).
    #[serde(skip)]
    pub value: Bytes,
    /// The revision (stream sequence).
    pub revision: u64,
    /// When it was written (RFC 3339 when serialized).
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created: OffsetDateTime,
    /// Put, delete or purge.
    pub operation: KvOperation,
    /// Entries still pending after this one in a watch or history.
    pub delta: u64,
}

impl From<kv::Entry> for KvEntry {
    fn from(e: kv::Entry) -> Self {
        KvEntry {
            bucket: e.bucket,
            key: e.key,
            value: e.value,
            revision: e.revision,
            created: e.created,
            operation: match e.operation {
                kv::Operation::Put => KvOperation::Put,
                kv::Operation::Delete => KvOperation::Del,
                kv::Operation::Purge => KvOperation::Purge,
            },
            delta: e.delta,
        }
    }
}

/// A key-value bucket.
#[derive(Debug, Clone)]
pub struct Kv {
    store: kv::Store,
    client: Client,
}

impl Context {
    /// A bucket config from a host's JSON object, `max_age` in the context's unit.
    pub fn kv_config(&self, value: serde_json::Value) -> Result<KvConfig> {
        let value = Object::KvConfig.from_host(value, self.unit)?;
        serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("kv config: {e}")))
    }

    /// Creates a bucket (or returns the existing one with the same settings).
    pub async fn create_kv(&self, config: &KvConfig) -> Result<Kv> {
        let store = self
            .js
            .create_key_value(config.to_nats()?)
            .await
            .map_err(|e| from_nats(&e, &format!("create bucket {:?}", config.bucket)))?;
        Ok(self.kv_handle(store))
    }

    /// An existing bucket; `NOT_FOUND` if there is none.
    pub async fn kv(&self, bucket: &str) -> Result<Kv> {
        check_name("bucket", bucket)?;
        self.stream_info(&format!("KV_{bucket}"))
            .await
            .map_err(|e| e.context(format_args!("bucket {bucket:?}")))?;
        let store = self
            .js
            .get_key_value(bucket)
            .await
            .map_err(|e| from_nats(&e, &format!("bucket {bucket:?}")))?;
        Ok(self.kv_handle(store))
    }

    /// Deletes a bucket and every key in it.
    pub async fn delete_kv(&self, bucket: &str) -> Result<()> {
        check_name("bucket", bucket)?;
        self.delete_stream(&format!("KV_{bucket}"))
            .await
            .map_err(|e| e.context(format_args!("bucket {bucket:?}")))
    }

    fn kv_handle(&self, store: kv::Store) -> Kv {
        Kv {
            store,
            client: self.client.clone(),
        }
    }
}

impl Kv {
    /// The client the bucket is reached through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.store.name
    }

    /// Stores a value and returns its revision.
    pub async fn put(&self, key: &str, value: impl Into<Bytes>) -> Result<u64> {
        self.client.check_open()?;
        check_key(key, false)?;
        self.store
            .put(key, value.into())
            .await
            .map_err(|e| self.error(&e, "put", key))
    }

    /// The current entry of a key; `None` if it never existed or was deleted.
    pub async fn get(&self, key: &str) -> Result<Option<KvEntry>> {
        self.client.check_open()?;
        check_key(key, false)?;
        let entry = self
            .store
            .entry(key)
            .await
            .map_err(|e| self.error(&e, "get", key))?;
        Ok(entry
            .map(KvEntry::from)
            .filter(|e| e.operation == KvOperation::Put))
    }

    /// Stores a value only if the key has no value; fails with `JETSTREAM`
    /// (err_code 10071) when it has.
    pub async fn create(&self, key: &str, value: impl Into<Bytes>) -> Result<u64> {
        self.client.check_open()?;
        check_key(key, false)?;
        self.store
            .create(key, value.into())
            .await
            .map_err(|e| match e.kind() {
                kv::CreateErrorKind::AlreadyExists => Error::with_server_code(
                    ErrorCode::JetStream,
                    format!(
                        "kv create {}/{key}: the key already has a value (wrong last sequence)",
                        self.store.name
                    ),
                    WRONG_LAST_SEQUENCE,
                ),
                _ => self.error(&e, "create", key),
            })
    }

    /// Stores a value only if the key's revision is still `revision` (compare-and-set);
    /// fails with `JETSTREAM` (err_code 10071) otherwise.
    pub async fn update(&self, key: &str, value: impl Into<Bytes>, revision: u64) -> Result<u64> {
        self.client.check_open()?;
        check_key(key, false)?;
        self.store
            .update(key, value.into(), revision)
            .await
            .map_err(|e| self.error(&e, "update", key))
    }

    /// Deletes a key, keeping its history.
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.client.check_open()?;
        check_key(key, false)?;
        self.store
            .delete(key)
            .await
            .map_err(|e| self.error(&e, "delete", key))
    }

    /// Deletes a key and its history.
    pub async fn purge(&self, key: &str) -> Result<()> {
        self.client.check_open()?;
        check_key(key, false)?;
        self.store
            .purge(key)
            .await
            .map_err(|e| self.error(&e, "purge", key))
    }

    /// Every key that has a value, sorted.
    pub async fn keys(&self) -> Result<Vec<String>> {
        self.client.check_open()?;
        let keys = self
            .store
            .keys()
            .await
            .map_err(|e| self.error(&e, "keys", "*"))?;
        let mut keys: Vec<String> = collect(keys)
            .await
            .map_err(|e| self.error(&*e, "keys", "*"))?;
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Every stored revision of a key, oldest first.
    pub async fn history(&self, key: &str) -> Result<Vec<KvEntry>> {
        self.client.check_open()?;
        check_key(key, false)?;
        let history = self
            .store
            .history(key)
            .await
            .map_err(|e| self.error(&e, "history", key))?;
        let entries: Vec<kv::Entry> = collect(history)
            .await
            .map_err(|e| self.error(&*e, "history", key))?;
        Ok(entries.into_iter().map(KvEntry::from).collect())
    }

    /// Watches keys matching `pattern` (one key, a wildcard such as `user.*`, or `>` for all):
    /// the current value of each matching key first (every kept revision with
    /// `include_history`, none with `updates_only`), then every change as it happens.
    /// [`KvWatchControl::initial_done`] tells when the current values have all been delivered.
    pub async fn watch(&self, pattern: &str, options: KvWatchOptions) -> Result<KvWatch> {
        self.client.check_open()?;
        check_key(pattern, true)?;
        options.check()?;
        let watch = if options.updates_only {
            self.store.watch(pattern).await
        } else if options.include_history {
            // Revision 1 is the stream's first sequence: every kept revision.
            self.store.watch_from_revision(pattern, 1).await
        } else {
            self.store.watch_with_history(pattern).await
        }
        .map_err(|e| self.error(&e, "watch", pattern))?;
        // The watch marks its last current value; when nothing matches there is none.
        let initial_done = options.updates_only || !self.any_match(pattern).await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let control = KvWatchControl(Arc::new(Control {
            stop,
            initial_done: AtomicBool::new(initial_done),
        }));
        Ok(KvWatch {
            inner: Some(watch),
            ignore_deletes: options.ignore_deletes,
            control,
            stopped,
        })
    }

    /// Whether any revision of a key matching `pattern` is stored (one message read).
    async fn any_match(&self, pattern: &str) -> Result<bool> {
        let subject = format!("{}{pattern}", self.store.prefix);
        match self
            .store
            .stream
            .get_first_raw_message_by_subject(subject, 1)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(false),
            Err(e) => Err(self.error(&e, "watch", pattern)),
        }
    }

    fn error(&self, err: &(dyn std::error::Error + 'static), op: &str, key: &str) -> Error {
        from_nats(err, &format!("kv {op} {}/{key}", self.store.name))
    }
}

/// Checks a key (or, with `wildcards`, a watch pattern) the way the server stores keys:
/// dot-separated tokens of letters, digits, `-`, `_`, `=` and `/`, none empty, so `"a b"`
/// and `"a..b"` are an `INVALID_ARGUMENT` rather than an I/O error from the server.
fn check_key(key: &str, wildcards: bool) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_=/".contains(c);
    let token_ok = |t: &str| {
        !t.is_empty() && (t.chars().all(allowed) || (wildcards && (t == "*" || t == ">")))
    };
    if key.split('.').all(token_ok) {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::InvalidArgument,
        format!(
            "kv key {key:?}: use dot-separated tokens of letters, digits, '-', '_', '=' and '/' \
             (no spaces, no empty token, no leading or trailing '.')"
        ),
    ))
}

async fn collect<T, E>(
    stream: impl Stream<Item = std::result::Result<T, E>>,
) -> std::result::Result<Vec<T>, Box<dyn std::error::Error + Send + Sync>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let items = Box::pin(stream).try_collect().await?;
    Ok(items)
}

/// What a watch delivers besides the current value of each key; from a host's JSON object
/// with [`KvWatchOptions::from_host`] (snake_case or camelCase names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KvWatchOptions {
    /// Every kept revision of each key first, oldest first, not only the latest.
    #[serde(alias = "includeHistory")]
    pub include_history: bool,
    /// Skips deletes and purges (the initial values and the changes).
    #[serde(alias = "ignoreDeletes")]
    pub ignore_deletes: bool,
    /// Only changes from now on, no current values.
    #[serde(alias = "updatesOnly")]
    pub updates_only: bool,
}

impl KvWatchOptions {
    /// Options from a host's JSON object; `null` is the defaults.
    pub fn from_host(value: serde_json::Value) -> Result<KvWatchOptions> {
        if value.is_null() {
            return Ok(KvWatchOptions::default());
        }
        if !value.is_object() {
            return Err(Error::invalid_argument(format!(
                "kv watch options: {value} is not an object"
            )));
        }
        let options: KvWatchOptions = serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("kv watch options: {e}")))?;
        options.check()?;
        Ok(options)
    }

    fn check(self) -> Result<()> {
        if self.include_history && self.updates_only {
            return Err(Error::invalid_argument(
                "kv watch options: include_history and updates_only exclude each other \
                 (updates_only delivers no earlier revisions)",
            ));
        }
        Ok(())
    }
}

/// Entries of watched keys: current values first, then changes.
pub struct KvWatch {
    inner: Option<kv::Watch>,
    ignore_deletes: bool,
    control: KvWatchControl,
    stopped: tokio::sync::watch::Receiver<bool>,
}

/// Reads and stops a [`KvWatch`] from another task or thread while it waits in
/// [`KvWatch::next`] (hosts keep the watch behind a lock).
#[derive(Debug, Clone)]
pub struct KvWatchControl(Arc<Control>);

#[derive(Debug)]
struct Control {
    stop: tokio::sync::watch::Sender<bool>,
    initial_done: AtomicBool,
}

impl KvWatchControl {
    /// Stops the watch: a pending or later `next` fails with `CLOSED`.
    pub fn stop(&self) {
        self.0.stop.send_replace(true);
    }

    /// Whether every value that existed when the watch started has been delivered by
    /// [`KvWatch::next`] (or skipped by `ignore_deletes`); true from the start with
    /// `updates_only` or when no key matched.
    pub fn initial_done(&self) -> bool {
        self.0.initial_done.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for KvWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvWatch")
            .field("initial_done", &self.initial_done())
            .finish_non_exhaustive()
    }
}

impl KvWatch {
    /// The next entry; `Ok(None)` when `timeout` passed first, `CLOSED` once stopped.
    pub async fn next(&mut self, timeout: Option<Duration>) -> Result<Option<KvEntry>> {
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            let Some(entry) = self.next_raw(deadline).await? else {
                return Ok(None);
            };
            if entry.seen_current {
                self.control.0.initial_done.store(true, Ordering::Relaxed);
            }
            if !(self.ignore_deletes && entry.operation != kv::Operation::Put) {
                return Ok(Some(entry.into()));
            }
        }
    }

    /// See [`KvWatchControl::initial_done`].
    pub fn initial_done(&self) -> bool {
        self.control.initial_done()
    }

    /// A handle that reads and stops this watch from elsewhere.
    pub fn control(&self) -> KvWatchControl {
        self.control.clone()
    }

    async fn next_raw(
        &mut self,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Option<kv::Entry>> {
        if *self.stopped.borrow() {
            self.stop();
        }
        let watch = self
            .inner
            .as_mut()
            .ok_or_else(|| Error::closed("the watch was stopped"))?;
        let mut stopped = self.stopped.clone();
        let next = async {
            tokio::select! {
                next = watch.next() => Some(next),
                _ = stopped.wait_for(|s| *s) => None,
            }
        };
        let next = match deadline {
            Some(d) => match tokio::time::timeout_at(d, next).await {
                Ok(next) => next,
                Err(_) => return Ok(None),
            },
            None => next.await,
        };
        match next {
            Some(Some(Ok(entry))) => Ok(Some(entry)),
            Some(Some(Err(e))) => Err(from_nats(&e, "kv watch")),
            Some(None) => {
                self.stop();
                Err(Error::closed("the watch ended"))
            }
            None => {
                self.stop();
                Err(Error::closed("the watch was stopped"))
            }
        }
    }

    /// Stops watching.
    pub fn stop(&mut self) {
        self.control.stop();
        if let Some(watch) = self.inner.take() {
            runtime::enter(|| drop(watch));
        }
    }
}

impl Drop for KvWatch {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_the_server_cannot_store_are_invalid_arguments() {
        for good in ["a", "a.b", "user/42=x_y-z"] {
            assert!(check_key(good, false).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a..b", ".a", "a.", "a*", "é"] {
            let err = check_key(bad, false).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad:?}");
            assert!(err.message().contains("kv key"), "{err}");
        }
        assert!(check_key("orders.*.>", true).is_ok());
        assert!(check_key("a..b", true).is_err());
    }

    #[test]
    fn watch_options_come_from_either_spelling_and_refuse_contradictions() {
        let json = serde_json::json!({"includeHistory": true, "ignore_deletes": true});
        let options = KvWatchOptions::from_host(json).unwrap();
        assert!(options.include_history && options.ignore_deletes && !options.updates_only);
        assert_eq!(
            KvWatchOptions::from_host(serde_json::Value::Null).unwrap(),
            KvWatchOptions::default()
        );
        for bad in [
            serde_json::json!({"updates_only": true, "include_history": true}),
            serde_json::json!({"history": true}),
            serde_json::json!({"updates_only": 1}),
            serde_json::json!([true]),
        ] {
            let err = KvWatchOptions::from_host(bad.clone()).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad}");
        }
    }
}
