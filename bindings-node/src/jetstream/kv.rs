//! Key-value buckets: put, get, create, update, delete, purge, keys, history and watch.

use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::Env;
use natskit::jetstream::{KvWatchControl, KvWatchOptions};
use serde_json::Value;
use tokio::sync::Mutex;

use super::whole;
use crate::client::millis;
use crate::error::Outcome;
use crate::payload;
use crate::runtime::{self, Now};

/// One revision of a key.
#[napi(object)]
pub struct KvEntry {
    /// Bucket name.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The value (empty for deletes and purges).
    pub value: Buffer,
    /// The revision (stream sequence).
    pub revision: f64,
    /// When it was written (RFC 3339).
    pub created: String,
    /// What the entry records.
    #[napi(ts_type = "'PUT' | 'DEL' | 'PURGE'")]
    pub operation: String,
    /// Entries still pending after this one in a watch or history.
    pub delta: f64,
}

impl From<natskit::jetstream::KvEntry> for KvEntry {
    fn from(e: natskit::jetstream::KvEntry) -> Self {
        KvEntry {
            bucket: e.bucket,
            key: e.key,
            value: Buffer::from(e.value.to_vec()),
            revision: e.revision as f64,
            created: natskit::timestamp::rfc3339(e.created),
            operation: e.operation.as_str().to_string(),
            delta: e.delta as f64,
        }
    }
}

/// A key-value bucket. Values are Buffers, strings (UTF-8) or JSON, like payloads.
#[napi]
pub struct Kv {
    inner: natskit::jetstream::Kv,
}

impl Kv {
    pub(crate) fn new(inner: natskit::jetstream::Kv) -> Self {
        Kv { inner }
    }

    /// Writes `value` with `write` (put, create or update); resolves with the revision.
    fn write<'env, F, Fut>(
        &self,
        env: &'env Env,
        value: Unknown,
        write: F,
    ) -> napi::Result<Now<'env, Outcome<f64>>>
    where
        F: FnOnce(natskit::jetstream::Kv, bytes::Bytes) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = natskit::Result<u64>> + Send,
    {
        crate::error::guard(|| {
            let value = payload::to_bytes(env, value);
            let kv = self.inner.clone();
            runtime::now_or_later(env, async move { Ok(write(kv, value?).await? as f64) })
        })
    }
}

#[napi]
impl Kv {
    /// The bucket's name.
    #[napi(catch_unwind, getter)]
    pub fn bucket(&self) -> String {
        self.inner.bucket().to_string()
    }

    /// Writes a value; resolves with its revision.
    #[napi(
        catch_unwind,
        ts_args_type = "key: string, value: Payload",
        ts_return_type = "Promise<number>"
    )]
    pub fn put<'env>(
        &self,
        env: &'env Env,
        key: String,
        value: Unknown,
    ) -> napi::Result<Now<'env, Outcome<f64>>> {
        self.write(env, value, |kv, v| async move { kv.put(&key, v).await })
    }

    /// The current entry of a key, or null when it has none (or was deleted).
    #[napi(catch_unwind, ts_return_type = "Promise<KvEntry | null>")]
    pub async fn get(&self, key: String) -> Outcome<Option<KvEntry>> {
        crate::runtime::unwinding(async move { Ok(self.inner.get(&key).await?.map(KvEntry::from)) })
            .await
    }

    /// Writes a key only if it has no value; rejects otherwise.
    #[napi(
        catch_unwind,
        ts_args_type = "key: string, value: Payload",
        ts_return_type = "Promise<number>"
    )]
    pub fn create<'env>(
        &self,
        env: &'env Env,
        key: String,
        value: Unknown,
    ) -> napi::Result<Now<'env, Outcome<f64>>> {
        self.write(env, value, |kv, v| async move { kv.create(&key, v).await })
    }

    /// Writes a key only if its latest revision is `revision` (compare and set).
    #[napi(
        catch_unwind,
        ts_args_type = "key: string, value: Payload, revision: number",
        ts_return_type = "Promise<number>"
    )]
    pub fn update<'env>(
        &self,
        env: &'env Env,
        key: String,
        value: Unknown,
        revision: f64,
    ) -> napi::Result<Now<'env, Outcome<f64>>> {
        self.write(env, value, move |kv, v| async move {
            kv.update(&key, v, whole("revision", revision)?).await
        })
    }

    /// Deletes a key (keeps its history).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete(&self, key: String) -> Outcome<()> {
        crate::runtime::unwinding(async move { self.inner.delete(&key).await }).await
    }

    /// Deletes a key and its history.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn purge(&self, key: String) -> Outcome<()> {
        crate::runtime::unwinding(async move { self.inner.purge(&key).await }).await
    }

    /// Every key with a value.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn keys(&self) -> Outcome<Vec<String>> {
        crate::runtime::unwinding(self.inner.keys()).await
    }

    /// Every kept revision of a key, oldest first.
    #[napi(catch_unwind, ts_return_type = "Promise<KvEntry[]>")]
    pub async fn history(&self, key: String) -> Outcome<Vec<KvEntry>> {
        crate::runtime::unwinding(async move {
            let found = self.inner.history(&key).await?;
            Ok(found.into_iter().map(KvEntry::from).collect())
        })
        .await
    }

    /// Watches keys matching `pattern` (one key, a wildcard, `>` for all): the current values
    /// first, then changes; options `{ includeHistory, ignoreDeletes, updatesOnly }`.
    #[napi(
        catch_unwind,
        ts_args_type = "pattern?: string | undefined | null, options?: KvWatchOptions | undefined | null",
        ts_return_type = "Promise<KvWatch>"
    )]
    pub async fn watch(&self, pattern: Option<String>, options: Option<Value>) -> Outcome<KvWatch> {
        crate::runtime::unwinding(async move {
            let options = KvWatchOptions::from_host(options.unwrap_or(Value::Null))?;
            let watch = self
                .inner
                .watch(pattern.as_deref().unwrap_or(">"), options)
                .await?;
            Ok(KvWatch {
                control: watch.control(),
                inner: Arc::new(Mutex::new(watch)),
            })
        })
        .await
    }
}

/// Entries of watched keys, current values first; iterate with `for await` or `next()`.
#[napi]
pub struct KvWatch {
    inner: Arc<Mutex<natskit::jetstream::KvWatch>>,
    control: KvWatchControl,
}

#[napi]
impl KvWatch {
    /// The next entry, or null when `timeoutMs` passes first; `CLOSED` once stopped.
    #[napi(catch_unwind, ts_return_type = "Promise<KvEntry | null>")]
    pub async fn next(&self, timeout_ms: Option<f64>) -> Outcome<Option<KvEntry>> {
        crate::runtime::unwinding(async move {
            let timeout = timeout_ms.map(millis).transpose()?;
            let got = self.inner.lock().await.next(timeout).await?;
            Ok(got.map(KvEntry::from))
        })
        .await
    }

    /// Whether every value that existed when the watch started has been delivered.
    #[napi(catch_unwind, getter)]
    pub fn initial_done(&self) -> bool {
        self.control.initial_done()
    }

    /// Stops watching; a pending `next()` rejects with `CLOSED`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn stop(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move {
            self.control.stop();
            self.inner.lock().await.stop();
            Ok(())
        })
        .await
    }
}
