//! Key-value buckets: create/get a bucket, put, get, create (only if absent), update
//! (compare-and-set on the revision), delete, purge, keys, history and watch.

use std::time::Duration;

use async_nats::jetstream::kv;
use async_nats::jetstream::stream::StorageType;
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

    /// Watches keys matching `pattern` (`>` for all) for new revisions from now on.
    pub async fn watch(&self, pattern: &str) -> Result<KvWatch> {
        self.client.check_open()?;
        check_key(pattern, true)?;
        let watch = self
            .store
            .watch(pattern)
            .await
            .map_err(|e| self.error(&e, "watch", pattern))?;
        Ok(KvWatch { inner: Some(watch) })
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

/// New revisions of watched keys.
pub struct KvWatch {
    inner: Option<kv::Watch>,
}

impl std::fmt::Debug for KvWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvWatch").finish_non_exhaustive()
    }
}

impl KvWatch {
    /// The next change; `Ok(None)` when `timeout` passed first, `CLOSED` once stopped.
    pub async fn next(&mut self, timeout: Option<Duration>) -> Result<Option<KvEntry>> {
        let watch = self
            .inner
            .as_mut()
            .ok_or_else(|| Error::closed("the watch was stopped"))?;
        let next = match timeout {
            Some(t) => match tokio::time::timeout(t, watch.next()).await {
                Ok(next) => next,
                Err(_) => return Ok(None),
            },
            None => watch.next().await,
        };
        match next {
            Some(Ok(entry)) => Ok(Some(entry.into())),
            Some(Err(e)) => Err(from_nats(&e, "kv watch")),
            None => {
                self.stop();
                Err(Error::closed("the watch ended"))
            }
        }
    }

    /// Stops watching.
    pub fn stop(&mut self) {
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
}
