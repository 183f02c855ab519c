//! Object store buckets (`core::jetstream::ObjectStore`): `ObjectStore` (blocking) and
//! `aio.ObjectStore` (awaitables). Object infos are dicts of core's fields; files are
//! streamed by core a chunk at a time, with the GIL released.

use std::path::PathBuf;
use std::sync::Arc;

use natskit::jetstream as js;
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use serde_json::Value;

use crate::error::IntoPy;
use crate::jetstream::Json;
use crate::payload;
use crate::runtime::{awaitable, seconds, wait};
use crate::twins::both;
use tokio::sync::Mutex;

/// A bucket config from keyword fields, `max_age` (the TTL) in seconds.
pub fn config(
    ctx: &js::Context,
    bucket: String,
    fields: Option<&Bound<'_, PyDict>>,
) -> PyResult<js::ObjectStoreConfig> {
    let mut value = match fields {
        Some(f) => payload::to_value(f.as_any())?,
        None => Value::Object(Default::default()),
    };
    value["bucket"] = Value::from(bucket);
    ctx.object_store_config(value).py_err()
}

/// Put options (`description`, `headers`, `metadata`, `chunk_size`) from keyword fields.
fn put_options(fields: Option<&Bound<'_, PyDict>>) -> PyResult<js::ObjectPutOptions> {
    let value = match fields {
        Some(f) => payload::to_value(f.as_any())?,
        None => Value::Null,
    };
    js::ObjectPutOptions::from_host(value).py_err()
}

fn info(info: js::ObjectInfo) -> natskit::Result<Json> {
    Json::of(&info)
}

/// A bucket on its way to Python (sync or asyncio form).
pub struct ObjectStoreOf {
    pub store: js::ObjectStore,
    pub asyncio: bool,
}

impl<'py> IntoPyObject<'py> for ObjectStoreOf {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        if self.asyncio {
            Ok(Bound::new(py, AsyncObjectStore { store: self.store })?.into_any())
        } else {
            Ok(Bound::new(py, ObjectStore { store: self.store })?.into_any())
        }
    }
}

/// An object's bytes on their way to Python.
pub struct Data(Vec<u8>);

impl<'py> IntoPyObject<'py> for Data {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(PyBytes::new(py, &self.0))
    }
}

/// An object store bucket used with blocking calls.
#[pyclass(module = "natskit", name = "ObjectStore", frozen)]
pub struct ObjectStore {
    store: js::ObjectStore,
}

/// An object store bucket used with `await`.
#[pyclass(module = "natskit.aio", name = "ObjectStore", frozen)]
pub struct AsyncObjectStore {
    store: js::ObjectStore,
}

both! { ObjectStore {}, AsyncObjectStore {}, shared {
    /// The bucket name.
    #[getter]
    fn bucket(&self) -> &str {
        self.store.bucket()
    }
};
    /// Stores `data` (bytes, str or JSON-able) as object `name`; returns its info.
    #[pyo3(signature = (name, data, **options))]
    fn put(&self, name: [String], data: [&Bound<'_, PyAny>], options: [Option<&Bound<'_, PyDict>>]) -> Json {
        let (store, data, options) = (self.store.clone(), payload::to_bytes(data)?, put_options(options)?);
        async move { info(store.put_bytes(&name, &data, &options).await.py_err()?).py_err() }
    }

    /// Stores the file at `path` as object `name`, read a chunk at a time; returns its info.
    #[pyo3(signature = (name, path, **options))]
    fn put_file(&self, name: [String], path: [PathBuf], options: [Option<&Bound<'_, PyDict>>]) -> Json {
        let (store, options) = (self.store.clone(), put_options(options)?);
        async move { info(store.put_file(&name, &path, &options).await.py_err()?).py_err() }
    }

    /// The bytes of object `name`, digest checked (`NotFoundError` when there is none).
    fn get(&self, name: [String]) -> Data {
        let store = self.store.clone();
        async move { Ok::<_, PyErr>(Data(store.get_bytes(&name).await.py_err()?.1)) }
    }

    /// Writes object `name` to the file at `path` a chunk at a time; returns its info.
    fn get_file(&self, name: [String], path: [PathBuf]) -> Json {
        let store = self.store.clone();
        async move { info(store.get_to_file(&name, &path).await.py_err()?).py_err() }
    }

    /// The info of object `name` (`NotFoundError` when there is none).
    fn info(&self, name: [String]) -> Json {
        let store = self.store.clone();
        async move { info(store.info(&name).await.py_err()?).py_err() }
    }

    /// The infos of every object, sorted by name.
    fn list(&self) -> Json {
        let store = self.store.clone();
        async move { Json::of(&store.list().await.py_err()?).py_err() }
    }

    /// Deletes object `name` (`NotFoundError` when there is none).
    fn delete(&self, name: [String]) -> () {
        let store = self.store.clone();
        async move { store.delete(&name).await.py_err() }
    }

    /// Makes `name` a link to object `target` of this bucket; returns the link's info.
    fn link(&self, name: [String], target: [String]) -> Json {
        let store = self.store.clone();
        async move { info(store.link(&name, &target).await.py_err()?).py_err() }
    }

    /// Seals the bucket: later changes fail with `InvalidArgumentError`.
    fn seal(&self) -> () {
        let store = self.store.clone();
        async move { store.seal().await.py_err() }
    }

    /// Watches the bucket: the info of each object first (none with `updates_only`), then
    /// every put and delete (`deleted` true); `ignore_deletes` skips deletes.
    #[pyo3(signature = (**options))]
    fn watch(&self, options: [Option<&Bound<'_, PyDict>>]) -> ObjectWatch {
        let value = match options {
            Some(o) => payload::to_value(o.as_any())?,
            None => Value::Null,
        };
        let options = js::ObjectWatchOptions::from_host(value).py_err()?;
        let store = self.store.clone();
        async move {
            let watch = store.watch(options).await.py_err()?;
            let control = watch.control();
            Ok::<_, PyErr>(ObjectWatch { inner: Arc::new(Mutex::new(watch)), control })
        }
    }
}

/// Object infos of a watched bucket: `next(timeout)`, `for`, `async for`, `stop()`.
#[pyclass(module = "natskit", name = "ObjectWatch", frozen)]
pub struct ObjectWatch {
    inner: Arc<Mutex<js::ObjectWatch>>,
    control: js::ObjectWatchControl,
}

/// The next info of `watch`, `None` at the end (stopped).
async fn until_end(watch: &Mutex<js::ObjectWatch>) -> natskit::Result<Option<js::ObjectInfo>> {
    match watch.lock().await.next(None).await {
        Err(e) if e.code() == natskit::ErrorCode::Closed => Ok(None),
        got => got,
    }
}

fn infos(info: Option<js::ObjectInfo>) -> natskit::Result<Option<Json>> {
    info.map(|i| Json::of(&i)).transpose()
}

#[pymethods]
impl ObjectWatch {
    /// The next info, or `None` once `timeout` seconds pass.
    #[pyo3(signature = (timeout=None))]
    fn next(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Json>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let got = wait(py, async { self.inner.lock().await.next(timeout).await })?;
            infos(got.py_err()?).py_err()
        })
    }

    /// Awaitable: the next info, or `None` once `timeout` seconds pass.
    #[pyo3(signature = (timeout=None))]
    fn anext<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let inner = self.inner.clone();
            awaitable(py, async move {
                infos(inner.lock().await.next(timeout).await.py_err()?).py_err()
            })
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Json>> {
        crate::runtime::guard(|| infos(wait(py, until_end(&self.inner))?.py_err()?).py_err())
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let inner = self.inner.clone();
            awaitable(py, async move {
                match until_end(&inner).await.py_err()? {
                    Some(info) => Json::of(&info).py_err(),
                    None => Err(PyStopAsyncIteration::new_err(())),
                }
            })
        })
    }

    /// Stops watching; a `next` waiting elsewhere ends too.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.control.stop();
            wait(py, async { self.inner.lock().await.stop() })
        })
    }
}
