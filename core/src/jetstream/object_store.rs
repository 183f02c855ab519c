//! Object store buckets: objects of any size kept as 128 KiB chunks in a stream, with a
//! SHA-256 digest checked on every read, interoperable with the other NATS clients.
//! Puts read from any reader (a file by path too) and gets write to any writer, so an
//! object is never held in memory whole unless a caller asks for its bytes.

use std::collections::BTreeMap;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use async_nats::jetstream::consumer::{push, DeliverPolicy};
use async_nats::jetstream::object_store as os;
use async_nats::jetstream::stream::StorageType;
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use futures::StreamExt;
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::error::from_nats;
use super::Context;
use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::headers::Headers;
use crate::units::Object;

/// The server's `err_code` for a write to a sealed stream (a sealed bucket).
const STREAM_SEALED: u64 = 10109;

/// A bucket's settings; as JSON `max_age` is in nanoseconds like the server's (hosts give
/// theirs in their unit through [`Context::object_store_config`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectStoreConfig {
    /// Bucket name: letters, digits, `-` and `_`.
    pub bucket: String,
    /// Human readable description.
    pub description: String,
    /// Object lifetime (TTL); zero keeps objects forever.
    #[serde(with = "crate::units::nanos")]
    pub max_age: Duration,
    /// Largest total size in bytes; -1 for unlimited.
    pub max_bytes: i64,
    /// `"file"` or `"memory"`.
    pub storage: String,
    /// Replicas in a cluster.
    pub num_replicas: usize,
    /// Whether the server compresses the stored chunks (S2).
    pub compression: bool,
}

impl Default for ObjectStoreConfig {
    fn default() -> Self {
        ObjectStoreConfig {
            bucket: String::new(),
            description: String::new(),
            max_age: Duration::ZERO,
            max_bytes: -1,
            storage: "file".to_string(),
            num_replicas: 1,
            compression: false,
        }
    }
}

impl ObjectStoreConfig {
    fn to_nats(&self) -> Result<os::Config> {
        check_bucket(&self.bucket)?;
        let storage = match self.storage.as_str() {
            "file" | "" => StorageType::File,
            "memory" => StorageType::Memory,
            other => {
                return Err(Error::invalid_argument(format!(
                    "object store storage: {other:?} is not \"file\" or \"memory\""
                )))
            }
        };
        Ok(os::Config {
            bucket: self.bucket.clone(),
            description: Some(self.description.clone()).filter(|d| !d.is_empty()),
            max_age: self.max_age,
            max_bytes: self.max_bytes,
            storage,
            num_replicas: self.num_replicas.max(1),
            compression: self.compression,
            placement: None,
        })
    }
}

/// What a put stores besides the data; from a host's JSON object with
/// [`PutOptions::from_host`] (`{"description", "headers", "metadata", "chunk_size"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PutOptions {
    /// Human readable description of the object.
    pub description: Option<String>,
    /// Headers kept with the object (`{"Name": "v"}` or `{"Name": ["v1", "v2"]}`).
    #[serde(deserialize_with = "headers_from_json")]
    pub headers: Headers,
    /// Free-form metadata kept with the object.
    pub metadata: BTreeMap<String, String>,
    /// Chunk size in bytes (default 128 KiB).
    #[serde(alias = "chunkSize")]
    pub chunk_size: Option<usize>,
}

fn headers_from_json<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Headers, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    if value.is_null() {
        return Ok(Headers::new());
    }
    Headers::from_json(&value).map_err(serde::de::Error::custom)
}

impl PutOptions {
    /// Options from a host's JSON object; `null` is the defaults.
    pub fn from_host(value: serde_json::Value) -> Result<PutOptions> {
        if value.is_null() {
            return Ok(PutOptions::default());
        }
        if !value.is_object() {
            return Err(Error::invalid_argument(format!(
                "object put options: {value} is not an object"
            )));
        }
        serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("object put options: {e}")))
    }

    fn to_nats(&self, name: &str) -> Result<os::ObjectMetadata> {
        check_object_name(name)?;
        if self.chunk_size == Some(0) {
            return Err(Error::invalid_argument(
                "object put options: chunk_size must be at least 1 byte",
            ));
        }
        let headers = if self.headers.is_empty() {
            None
        } else {
            Some(self.headers.to_header_map()?)
        };
        Ok(os::ObjectMetadata {
            name: name.to_string(),
            description: self.description.clone(),
            chunk_size: self.chunk_size,
            metadata: self.metadata.clone().into_iter().collect(),
            headers,
        })
    }
}

/// Where a link object points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectLink {
    /// The bucket of the target.
    pub bucket: String,
    /// The target object; absent for a link to a whole bucket.
    pub name: Option<String>,
}

/// What the bucket records about one object (hosts get it as JSON with these names;
/// `mtime` in RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectInfo {
    /// Bucket name.
    pub bucket: String,
    /// Object name.
    pub name: String,
    /// Description given at put.
    pub description: Option<String>,
    /// Headers given at put.
    #[serde(serialize_with = "crate::headers::serialize")]
    pub headers: Headers,
    /// Metadata given at put.
    pub metadata: BTreeMap<String, String>,
    /// Size in bytes.
    pub size: u64,
    /// Number of chunks.
    pub chunks: u64,
    /// `SHA-256=` and the URL-safe base64 of the data's SHA-256.
    pub digest: Option<String>,
    /// When the object was last put.
    #[serde(serialize_with = "optional_time")]
    pub mtime: Option<OffsetDateTime>,
    /// The id of this version's chunks.
    pub nuid: String,
    /// Whether the object was deleted (only a watch or a listing of deletes shows these).
    pub deleted: bool,
    /// The object this one links to, if it is a link.
    pub link: Option<ObjectLink>,
}

fn optional_time<S: Serializer>(
    t: &Option<OffsetDateTime>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => crate::timestamp::serialize(t, s),
        None => s.serialize_none(),
    }
}

impl From<os::ObjectInfo> for ObjectInfo {
    fn from(info: os::ObjectInfo) -> Self {
        let link = info.options.and_then(|o| o.link).map(|l| ObjectLink {
            bucket: l.bucket,
            name: l.name,
        });
        ObjectInfo {
            bucket: info.bucket,
            name: info.name,
            description: info.description,
            headers: info
                .headers
                .as_ref()
                .map(Headers::from_header_map)
                .unwrap_or_default(),
            metadata: info.metadata.into_iter().collect(),
            size: info.size as u64,
            chunks: info.chunks as u64,
            digest: info.digest,
            mtime: info.modified,
            nuid: info.nuid,
            deleted: info.deleted,
            link,
        }
    }
}

/// An object store bucket. Cloning is cheap.
#[derive(Clone)]
pub struct ObjectStore {
    store: os::ObjectStore,
    bucket: String,
    ctx: Context,
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStore")
            .field("bucket", &self.bucket)
            .finish()
    }
}

impl Context {
    /// A bucket config from a host's JSON object, `max_age` in the context's unit.
    pub fn object_store_config(&self, value: serde_json::Value) -> Result<ObjectStoreConfig> {
        let value = Object::ObjectStoreConfig.from_host(value, self.unit)?;
        serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("object store config: {e}")))
    }

    /// Creates a bucket (or returns the existing one with the same settings).
    pub async fn create_object_store(&self, config: &ObjectStoreConfig) -> Result<ObjectStore> {
        let nats = config.to_nats()?;
        self.client.check_open()?;
        let store = self
            .js
            .create_object_store(nats)
            .await
            .map_err(|e| from_nats(&e, &format!("create object store {:?}", config.bucket)))?;
        Ok(self.object_store_handle(store, &config.bucket))
    }

    /// An existing bucket; `NOT_FOUND` if there is none.
    pub async fn object_store(&self, bucket: &str) -> Result<ObjectStore> {
        check_bucket(bucket)?;
        self.client.check_open()?;
        let store = self
            .js
            .get_object_store(bucket)
            .await
            .map_err(|e| from_nats(&e, &format!("object store {bucket:?}")))?;
        Ok(self.object_store_handle(store, bucket))
    }

    /// Deletes a bucket and every object in it; `NOT_FOUND` if there is none.
    pub async fn delete_object_store(&self, bucket: &str) -> Result<()> {
        check_bucket(bucket)?;
        self.delete_stream(&format!("OBJ_{bucket}"))
            .await
            .map_err(|e| e.context(format_args!("object store {bucket:?}")))
    }

    /// The names of every object store bucket, sorted.
    pub async fn object_store_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .stream_names(Some("$O.*.M.>"))
            .await?
            .into_iter()
            .filter_map(|s| s.strip_prefix("OBJ_").map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    fn object_store_handle(&self, store: os::ObjectStore, bucket: &str) -> ObjectStore {
        ObjectStore {
            store,
            bucket: bucket.to_string(),
            ctx: self.clone(),
        }
    }
}

impl ObjectStore {
    /// The client the bucket is reached through.
    pub fn client(&self) -> &Client {
        self.ctx.client()
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Stores everything `data` yields as object `name` (replacing an object of that name),
    /// one chunk in memory at a time.
    pub async fn put(
        &self,
        name: &str,
        data: &mut (impl AsyncRead + Unpin),
        options: &PutOptions,
    ) -> Result<ObjectInfo> {
        self.ctx.client().check_open()?;
        let meta = options.to_nats(name)?;
        let info = self
            .store
            .put(meta, &mut FullReads(data))
            .await
            .map_err(|e| self.error(&e, "put", name))?;
        Ok(info.into())
    }

    /// Stores `data` as object `name`.
    pub async fn put_bytes(
        &self,
        name: &str,
        data: &[u8],
        options: &PutOptions,
    ) -> Result<ObjectInfo> {
        self.put(name, &mut &data[..], options).await
    }

    /// Stores the file at `path` as object `name`, reading it a chunk at a time.
    pub async fn put_file(
        &self,
        name: &str,
        path: impl AsRef<Path>,
        options: &PutOptions,
    ) -> Result<ObjectInfo> {
        let path = path.as_ref();
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| file_error(&e, "open", path))?;
        self.put(name, &mut file, options).await
    }

    /// A reader of object `name` (following links) that checks the digest at the end;
    /// `NOT_FOUND` if there is no such object.
    pub async fn get(&self, name: &str) -> Result<ObjectReader> {
        self.ctx.client().check_open()?;
        // Read the info first: async-nats cannot read some deletes of other clients.
        self.info(name).await?;
        let object = self.store.get(name).await.map_err(|e| match e.kind() {
            os::GetErrorKind::NotFound => self.not_found(name),
            _ => self.error(&e, "get", name),
        })?;
        Ok(ObjectReader {
            info: object.info.clone().into(),
            object,
        })
    }

    /// Writes object `name` to `writer`, a chunk at a time, and returns its info once the
    /// digest and size checked out.
    pub async fn get_to_writer(
        &self,
        name: &str,
        writer: &mut (impl AsyncWrite + Unpin),
    ) -> Result<ObjectInfo> {
        let mut reader = self.get(name).await?;
        let copied = tokio::io::copy(&mut reader, writer)
            .await
            .map_err(|e| self.read_error(&e, name))?;
        writer
            .flush()
            .await
            .map_err(|e| Error::new(ErrorCode::Io, format!("object get {name:?}: {e}")))?;
        reader.check_size(copied)?;
        Ok(reader.info)
    }

    /// Object `name` in memory, with its info.
    pub async fn get_bytes(&self, name: &str) -> Result<(ObjectInfo, Vec<u8>)> {
        let mut data = Vec::new();
        let info = self.get_to_writer(name, &mut data).await?;
        Ok((info, data))
    }

    /// Writes object `name` to the file at `path` (created or truncated); the file is
    /// removed again if the object could not be read whole with the right digest.
    pub async fn get_to_file(&self, name: &str, path: impl AsRef<Path>) -> Result<ObjectInfo> {
        let path = path.as_ref();
        // Look the object up first so a missing one leaves no empty file behind.
        let mut reader = self.get(name).await?;
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|e| file_error(&e, "create", path))?;
        let mut file = tokio::io::BufWriter::with_capacity(128 * 1024, file);
        let copied = async {
            let n = tokio::io::copy(&mut reader, &mut file)
                .await
                .map_err(|e| self.read_error(&e, name))?;
            file.flush()
                .await
                .map_err(|e| file_error(&e, "write", path))?;
            reader.check_size(n)
        };
        if let Err(e) = copied.await {
            let _ = tokio::fs::remove_file(path).await;
            return Err(e);
        }
        Ok(reader.info)
    }

    /// The info of object `name`; `NOT_FOUND` if there is none or it was deleted.
    pub async fn info(&self, name: &str) -> Result<ObjectInfo> {
        self.ctx.client().check_open()?;
        let info = self.raw_info(name).await?;
        if info.deleted {
            return Err(self.not_found(name));
        }
        Ok(info.into())
    }

    /// The info of every object in the bucket (deleted ones left out), sorted by name.
    pub async fn list(&self) -> Result<Vec<ObjectInfo>> {
        self.ctx.client().check_open()?;
        let (mut messages, pending) = self.metadata(DeliverPolicy::LastPerSubject, "list").await?;
        let mut infos = Vec::new();
        if pending > 0 {
            while let Some(message) = messages.next().await {
                let message = message.map_err(|e| self.error(&e, "list", "*"))?;
                let info = decode_info(&message.payload)?;
                if !info.deleted {
                    infos.push(ObjectInfo::from(info));
                }
                if message
                    .info()
                    .map_err(|e| self.error(&*e, "list", "*"))?
                    .pending
                    == 0
                {
                    break;
                }
            }
        }
        infos.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(infos)
    }

    /// Watches the bucket: the info of every object first (none with `updates_only`), then
    /// every put and delete (a delete is an info with `deleted`) as it happens.
    pub async fn watch(&self, options: ObjectWatchOptions) -> Result<ObjectWatch> {
        self.ctx.client().check_open()?;
        let policy = if options.updates_only {
            DeliverPolicy::New
        } else {
            DeliverPolicy::LastPerSubject
        };
        let (messages, _) = self.metadata(policy, "watch").await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        Ok(ObjectWatch {
            messages: Some(messages),
            ignore_deletes: options.ignore_deletes,
            control: ObjectWatchControl(Arc::new(stop)),
            stopped,
            bucket: self.bucket.clone(),
        })
    }

    /// The metadata messages of the bucket through an ordered consumer, and how many it had
    /// pending when it started.
    async fn metadata(&self, policy: DeliverPolicy, op: &str) -> Result<(push::Ordered, u64)> {
        let fail = |e: &(dyn std::error::Error + 'static)| self.error(e, op, "*");
        let stream = self
            .ctx
            .js
            .get_stream_no_info(format!("OBJ_{}", self.bucket))
            .await
            .map_err(|e| fail(&e))?;
        let consumer = stream
            .create_consumer(push::OrderedConfig {
                deliver_subject: self.ctx.client().nats().new_inbox(),
                filter_subject: format!("$O.{}.M.>", self.bucket),
                deliver_policy: policy,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(&e))?;
        let pending = consumer.cached_info().num_pending;
        let messages = consumer.messages().await.map_err(|e| fail(&e))?;
        Ok((messages, pending))
    }

    /// Deletes object `name` and its chunks; `NOT_FOUND` if there is none.
    pub async fn delete(&self, name: &str) -> Result<()> {
        self.info(name).await?;
        self.store
            .delete(name)
            .await
            .map_err(|e| self.error(&e, "delete", name))
    }

    /// Makes `name` a link to object `target` of this bucket: a get of `name` reads `target`.
    pub async fn link(&self, name: &str, target: &str) -> Result<ObjectInfo> {
        check_object_name(name)?;
        let target_info = self.raw_info(target).await?;
        if target_info.deleted {
            return Err(self.not_found(target));
        }
        let info = self
            .store
            .add_link(name, &target_info)
            .await
            .map_err(|e| match e.kind() {
                os::AddLinkErrorKind::LinkToLink => Error::invalid_argument(format!(
                    "object link {}/{name}: {target:?} is itself a link",
                    self.bucket
                )),
                _ => self.error(&e, "link", name),
            })?;
        Ok(info.into())
    }

    /// Seals the bucket: from now on it can be read but not changed.
    pub async fn seal(&self) -> Result<()> {
        self.ctx.client().check_open()?;
        let mut store = self.store.clone();
        store.seal().await.map_err(|e| self.error(&e, "seal", "*"))
    }

    /// The newest metadata of object `name`, deleted or not.
    async fn raw_info(&self, name: &str) -> Result<os::ObjectInfo> {
        check_object_name(name)?;
        let subject = format!("$O.{}.M.{}", self.bucket, URL_SAFE.encode(name));
        let stored = self
            .ctx
            .get_last_message(&format!("OBJ_{}", self.bucket), &subject)
            .await
            .map_err(|e| match e.code() {
                ErrorCode::NotFound if e.server_code() != Some(10059) => self.not_found(name),
                _ => e.context(format_args!("object info {}/{name}", self.bucket)),
            })?;
        decode_info(&stored.payload)
    }

    fn not_found(&self, name: &str) -> Error {
        Error::new(
            ErrorCode::NotFound,
            format!("object {name:?} not found in bucket {:?}", self.bucket),
        )
    }

    fn error(&self, err: &(dyn std::error::Error + 'static), op: &str, name: &str) -> Error {
        let text = err.to_string();
        let e = from_nats(err, &format!("object {op} {}/{name}", self.bucket));
        if e.server_code() == Some(STREAM_SEALED) || text.contains("sealed") {
            return Error::with_server_code(
                ErrorCode::InvalidArgument,
                format!(
                    "object {op} {}/{name}: the bucket is sealed (read-only)",
                    self.bucket
                ),
                STREAM_SEALED,
            );
        }
        e
    }

    fn read_error(&self, err: &std::io::Error, name: &str) -> Error {
        let what = format!("object get {}/{name}", self.bucket);
        match err.kind() {
            std::io::ErrorKind::InvalidData => Error::new(
                ErrorCode::Io,
                format!("{what}: the data does not match the object's digest"),
            ),
            std::io::ErrorKind::TimedOut => Error::timeout(format!("{what}: {err}")),
            _ => Error::new(ErrorCode::Io, format!("{what}: {err}")),
        }
    }
}

/// What a watch delivers; from a host's JSON object with [`ObjectWatchOptions::from_host`]
/// (snake_case or camelCase names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectWatchOptions {
    /// Skips deletes.
    #[serde(alias = "ignoreDeletes")]
    pub ignore_deletes: bool,
    /// Only changes from now on, not the objects already there.
    #[serde(alias = "updatesOnly")]
    pub updates_only: bool,
}

impl ObjectWatchOptions {
    /// Options from a host's JSON object; `null` is the defaults.
    pub fn from_host(value: serde_json::Value) -> Result<ObjectWatchOptions> {
        if value.is_null() {
            return Ok(ObjectWatchOptions::default());
        }
        if !value.is_object() {
            return Err(Error::invalid_argument(format!(
                "object watch options: {value} is not an object"
            )));
        }
        serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("object watch options: {e}")))
    }
}

/// The infos of a bucket's objects as they change; see [`ObjectStore::watch`].
pub struct ObjectWatch {
    messages: Option<push::Ordered>,
    ignore_deletes: bool,
    control: ObjectWatchControl,
    stopped: tokio::sync::watch::Receiver<bool>,
    bucket: String,
}

/// Stops an [`ObjectWatch`] from another task or thread while it waits in
/// [`ObjectWatch::next`].
#[derive(Debug, Clone)]
pub struct ObjectWatchControl(Arc<tokio::sync::watch::Sender<bool>>);

impl ObjectWatchControl {
    /// Stops the watch: a pending or later `next` fails with `CLOSED`.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl std::fmt::Debug for ObjectWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectWatch")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl ObjectWatch {
    /// The next info; `Ok(None)` when `timeout` passed first, `CLOSED` once stopped.
    pub async fn next(&mut self, timeout: Option<Duration>) -> Result<Option<ObjectInfo>> {
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            let Some(info) = self.next_raw(deadline).await? else {
                return Ok(None);
            };
            if !(self.ignore_deletes && info.deleted) {
                return Ok(Some(info.into()));
            }
        }
    }

    /// A handle that stops this watch from elsewhere.
    pub fn control(&self) -> ObjectWatchControl {
        self.control.clone()
    }

    async fn next_raw(
        &mut self,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Option<os::ObjectInfo>> {
        if *self.stopped.borrow() {
            self.stop();
        }
        let messages = self
            .messages
            .as_mut()
            .ok_or_else(|| Error::closed("the watch was stopped"))?;
        let mut stopped = self.stopped.clone();
        let next = async {
            tokio::select! {
                next = messages.next() => Some(next),
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
            Some(Some(Ok(message))) => decode_info(&message.payload).map(Some),
            Some(Some(Err(e))) => Err(from_nats(&e, &format!("object watch {}", self.bucket))),
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
        if let Some(messages) = self.messages.take() {
            crate::runtime::enter(|| drop(messages));
        }
    }
}

impl Drop for ObjectWatch {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The data of one object as an [`AsyncRead`]; the read that reaches the end fails with
/// an `InvalidData` I/O error when the digest does not match.
pub struct ObjectReader {
    object: os::Object,
    info: ObjectInfo,
}

impl std::fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl ObjectReader {
    /// The object's info.
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    fn check_size(&self, read: u64) -> Result<()> {
        if read != self.info.size {
            return Err(Error::new(
                ErrorCode::Io,
                format!(
                    "object get {}/{}: read {read} bytes of {}",
                    self.info.bucket, self.info.name, self.info.size
                ),
            ));
        }
        Ok(())
    }
}

impl AsyncRead for ObjectReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.object).poll_read(cx, buf)
    }
}

/// Reads an object's metadata as every client writes it: nats-py marks a deleted object
/// with an empty `mtime`, which async-nats cannot read.
fn decode_info(payload: &[u8]) -> Result<os::ObjectInfo> {
    let mut value: serde_json::Value = serde_json::from_slice(payload)?;
    if let Some(meta) = value.as_object_mut() {
        if meta.get("mtime").and_then(serde_json::Value::as_str) == Some("") {
            meta.remove("mtime");
        }
    }
    serde_json::from_value(value).map_err(|e| Error::serialization(format!("object metadata: {e}")))
}

/// Fills each read as far as the inner reader has data ready, so a reader that hands out
/// little at a time still makes whole chunks (one chunk is stored per read).
struct FullReads<'a, R>(&'a mut R);

impl<R: AsyncRead + Unpin> AsyncRead for FullReads<'_, R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let start = buf.filled().len();
        while buf.remaining() > 0 {
            let before = buf.filled().len();
            match Pin::new(&mut *self.0).poll_read(cx, buf) {
                Poll::Ready(Ok(())) if buf.filled().len() == before => break,
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) if buf.filled().len() == start => return Poll::Ready(Err(e)),
                Poll::Ready(Err(_)) => break,
                Poll::Pending if buf.filled().len() == start => return Poll::Pending,
                Poll::Pending => break,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// Checks a bucket name the way the other clients do: letters, digits, `-` and `_`.
fn check_bucket(bucket: &str) -> Result<()> {
    let ok = !bucket.is_empty()
        && bucket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        return Ok(());
    }
    Err(Error::invalid_argument(format!(
        "object store bucket {bucket:?}: use letters, digits, '-' and '_' only"
    )))
}

/// Checks an object name: any non-empty text (it is base64-encoded into the subject).
fn check_object_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_argument("object name: must not be empty"));
    }
    Ok(())
}

fn file_error(err: &std::io::Error, op: &str, path: &Path) -> Error {
    let code = match err.kind() {
        std::io::ErrorKind::NotFound => ErrorCode::NotFound,
        _ => ErrorCode::Io,
    };
    Error::new(code, format!("{op} {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_options_are_checked_before_anything_is_sent() {
        for bad in ["", "a.b", "a b", "a*", "é"] {
            let err = check_bucket(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad:?}");
        }
        assert!(check_bucket("files-2_x").is_ok());
        assert_eq!(
            check_object_name("").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        let options = PutOptions::from_host(serde_json::json!({
            "description": "d", "headers": {"X-A": ["1", "2"]}, "metadata": {"k": "v"}, "chunkSize": 1024
        }))
        .unwrap();
        assert_eq!(options.headers.get_all("x-a").count(), 2);
        assert_eq!(options.chunk_size, Some(1024));
        for bad in [
            serde_json::json!({"size": 1}),
            serde_json::json!({"metadata": {"k": 1}}),
            serde_json::json!([1]),
        ] {
            let err = PutOptions::from_host(bad.clone()).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad}");
        }
        let err = PutOptions::from_host(serde_json::json!({"chunk_size": 0}))
            .unwrap()
            .to_nats("x")
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
    }
}
