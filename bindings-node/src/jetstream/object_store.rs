//! Object store buckets: put (a payload or a file, streamed by core), get (a Buffer or to a
//! file), info, list, delete, link and seal. Object infos are core's JSON (`ObjectInfo`).

use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::Env;
use natskit::jetstream::{ObjectWatchControl, ObjectWatchOptions};
use serde_json::Value;
use tokio::sync::Mutex;

use super::JetStream;
use crate::client::millis;
use crate::error::Outcome;
use crate::payload::{self, whole_numbers};
use crate::runtime::{self, unwinding, Now};

fn put_options(options: Option<Value>) -> natskit::Result<natskit::jetstream::ObjectPutOptions> {
    natskit::jetstream::ObjectPutOptions::from_host(whole_numbers(options.unwrap_or(Value::Null)))
}

fn json(info: natskit::jetstream::ObjectInfo) -> natskit::Result<Value> {
    Ok(serde_json::to_value(info)?)
}

#[napi]
impl JetStream {
    /// Creates an object store bucket (`bucket`, `description`, `max_age` in ms, `max_bytes`,
    /// `storage`, `num_replicas`, `compression`).
    #[napi(
        catch_unwind,
        ts_args_type = "config: ObjectStoreConfig",
        ts_return_type = "Promise<ObjectStore>"
    )]
    pub async fn create_object_store(&self, config: Value) -> Outcome<ObjectStore> {
        unwinding(async move {
            let config = self.inner.object_store_config(whole_numbers(config))?;
            let inner = self.inner.create_object_store(&config).await?;
            Ok(ObjectStore { inner })
        })
        .await
    }

    /// An existing object store bucket; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<ObjectStore>")]
    pub async fn object_store(&self, bucket: String) -> Outcome<ObjectStore> {
        unwinding(async move {
            let inner = self.inner.object_store(&bucket).await?;
            Ok(ObjectStore { inner })
        })
        .await
    }

    /// Deletes an object store bucket and its objects.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete_object_store(&self, bucket: String) -> Outcome<()> {
        unwinding(self.inner.delete_object_store(&bucket)).await
    }

    /// The names of every object store bucket.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn object_store_names(&self) -> Outcome<Vec<String>> {
        unwinding(self.inner.object_store_names()).await
    }
}

/// An object store bucket: objects of any size as chunks, digest checked on every read.
#[napi]
pub struct ObjectStore {
    inner: natskit::jetstream::ObjectStore,
}

#[napi]
impl ObjectStore {
    /// The bucket's name.
    #[napi(catch_unwind, getter)]
    pub fn bucket(&self) -> String {
        self.inner.bucket().to_string()
    }

    /// Stores `data` (a Buffer, a string or JSON) as object `name`; resolves with its info.
    #[napi(
        catch_unwind,
        ts_args_type = "name: string, data: Payload, options?: ObjectPutOptions",
        ts_return_type = "Promise<ObjectInfo>"
    )]
    pub fn put<'env>(
        &self,
        env: &'env Env,
        name: String,
        data: Unknown,
        options: Option<Value>,
    ) -> napi::Result<Now<'env, Outcome<Value>>> {
        crate::error::guard(|| {
            let data = payload::to_bytes(env, data);
            let options = put_options(options);
            let store = self.inner.clone();
            runtime::now_or_later(env, async move {
                json(store.put_bytes(&name, &data?, &options?).await?)
            })
        })
    }

    /// Stores the file at `path` as object `name`, read a chunk at a time.
    #[napi(
        catch_unwind,
        ts_args_type = "name: string, path: string, options?: ObjectPutOptions",
        ts_return_type = "Promise<ObjectInfo>"
    )]
    pub async fn put_file(
        &self,
        name: String,
        path: String,
        options: Option<Value>,
    ) -> Outcome<Value> {
        unwinding(async move {
            let options = put_options(options)?;
            json(self.inner.put_file(&name, &path, &options).await?)
        })
        .await
    }

    /// The bytes of object `name`, digest checked; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<Buffer>")]
    pub async fn get(&self, name: String) -> Outcome<Buffer> {
        unwinding(async move { Ok(Buffer::from(self.inner.get_bytes(&name).await?.1)) }).await
    }

    /// Writes object `name` to the file at `path` a chunk at a time; resolves with its info.
    #[napi(catch_unwind, ts_return_type = "Promise<ObjectInfo>")]
    pub async fn get_file(&self, name: String, path: String) -> Outcome<Value> {
        unwinding(async move { json(self.inner.get_to_file(&name, &path).await?) }).await
    }

    /// The info of object `name`; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<ObjectInfo>")]
    pub async fn info(&self, name: String) -> Outcome<Value> {
        unwinding(async move { json(self.inner.info(&name).await?) }).await
    }

    /// The infos of every object, sorted by name.
    #[napi(catch_unwind, ts_return_type = "Promise<ObjectInfo[]>")]
    pub async fn list(&self) -> Outcome<Value> {
        unwinding(async move { Ok(serde_json::to_value(self.inner.list().await?)?) }).await
    }

    /// Deletes object `name`; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete(&self, name: String) -> Outcome<()> {
        unwinding(self.inner.delete(&name)).await
    }

    /// Makes `name` a link to object `target` of this bucket; resolves with the link's info.
    #[napi(catch_unwind, ts_return_type = "Promise<ObjectInfo>")]
    pub async fn link(&self, name: String, target: String) -> Outcome<Value> {
        unwinding(async move { json(self.inner.link(&name, &target).await?) }).await
    }

    /// Seals the bucket: later changes reject with `INVALID_ARGUMENT`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn seal(&self) -> Outcome<()> {
        unwinding(self.inner.seal()).await
    }

    /// Watches the bucket: the info of each object first (none with `updatesOnly`), then
    /// every put and delete (`deleted` true); `ignoreDeletes` skips deletes.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: ObjectWatchOptions | undefined | null",
        ts_return_type = "Promise<ObjectWatch>"
    )]
    pub async fn watch(&self, options: Option<Value>) -> Outcome<ObjectWatch> {
        unwinding(async move {
            let options = ObjectWatchOptions::from_host(options.unwrap_or(Value::Null))?;
            let watch = self.inner.watch(options).await?;
            Ok(ObjectWatch {
                control: watch.control(),
                inner: Arc::new(Mutex::new(watch)),
            })
        })
        .await
    }
}

/// Object infos of a watched bucket; iterate with `for await` or `next()`.
#[napi]
pub struct ObjectWatch {
    inner: Arc<Mutex<natskit::jetstream::ObjectWatch>>,
    control: ObjectWatchControl,
}

#[napi]
impl ObjectWatch {
    /// The next info, or null when `timeoutMs` passes first; `CLOSED` once stopped.
    #[napi(catch_unwind, ts_return_type = "Promise<ObjectInfo | null>")]
    pub async fn next(&self, timeout_ms: Option<f64>) -> Outcome<Option<Value>> {
        unwinding(async move {
            let timeout = timeout_ms.map(millis).transpose()?;
            let got = self.inner.lock().await.next(timeout).await?;
            got.map(json).transpose()
        })
        .await
    }

    /// Stops watching; a pending `next()` rejects with `CLOSED`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn stop(&self) -> Outcome<()> {
        unwinding(async move {
            self.control.stop();
            self.inner.lock().await.stop();
            Ok(())
        })
        .await
    }
}
