//! Services (micro): `natskit.Service`, `Group`, `Endpoint`, `Request` answered with
//! blocking calls, and their `natskit.aio` twins answered with `await`.

use std::sync::Arc;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use tokio::sync::Mutex;

use natskit::service::{self as svc, discovery};
use natskit::units::HostJson;

use crate::error::{to_py, IntoPy};
use crate::headers::{self, Headers};
use crate::payload;
use crate::runtime::{awaitable, seconds, wait, Ready};
use crate::twins::both;

/// Metadata from a Python dict of strings.
pub fn metadata(value: Option<&Bound<'_, PyAny>>) -> PyResult<svc::wire::Metadata> {
    match value {
        None => Ok(Default::default()),
        Some(v) => v.extract().map_err(|_| {
            to_py(natskit::Error::new(
                natskit::ErrorCode::InvalidArgument,
                "metadata must be a dict of str to str",
            ))
        }),
    }
}

/// A discovery target from Python arguments.
pub async fn discover(
    core: natskit::Client,
    verb: &'static str,
    name: Option<String>,
    id: Option<String>,
    wait: Option<std::time::Duration>,
) -> PyResult<Json> {
    let target = discovery::Target {
        name: name.as_deref(),
        id: id.as_deref(),
        wait,
    };
    let found = match verb {
        "PING" => serde_json::to_value(discovery::ping(&core, target).await.py_err()?),
        "INFO" => serde_json::to_value(discovery::info(&core, target).await.py_err()?),
        _ => Ok(serde_json::Value::Array(
            discovery::stats(&core, target)
                .await
                .py_err()?
                .iter()
                .map(stats_json)
                .collect::<PyResult<_>>()?,
        )),
    };
    Ok(Json(found.map_err(|e| to_py(e.into()))?))
}

fn stats_json(stats: &svc::ServiceStats) -> PyResult<serde_json::Value> {
    stats.to_host(natskit::Unit::Seconds).py_err()
}

/// A JSON value on its way to Python as dicts and lists.
pub struct Json(pub serde_json::Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        payload::to_python(py, &self.0)
    }
}

/// A new core service or endpoint on its way to Python, in the caller's flavour.
pub enum Started {
    Service(natskit::Service, bool),
    Endpoint(svc::Endpoint, bool),
}

impl<'py> IntoPyObject<'py> for Started {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(match self {
            Started::Service(core, false) => Bound::new(py, Service { core })?.into_any(),
            Started::Service(core, true) => Bound::new(py, AsyncService { core })?.into_any(),
            Started::Endpoint(core, asyncio) => {
                let (name, subject) = (core.name().to_string(), core.subject().to_string());
                let cell = Arc::new(Mutex::new(core));
                match asyncio {
                    false => Bound::new(
                        py,
                        Endpoint {
                            cell,
                            name,
                            subject,
                        },
                    )?
                    .into_any(),
                    true => Bound::new(
                        py,
                        AsyncEndpoint {
                            cell,
                            name,
                            subject,
                        },
                    )?
                    .into_any(),
                }
            }
        })
    }
}

/// The settings of one endpoint, converted while the GIL is held.
fn endpoint_config(
    subject: String,
    name: Option<String>,
    queue_group: Option<String>,
    metadata: Option<&Bound<'_, PyAny>>,
) -> PyResult<natskit::EndpointConfig> {
    Ok(natskit::EndpointConfig {
        subject,
        name,
        queue_group,
        metadata: self::metadata(metadata)?,
    })
}

/// A running service used with blocking calls.
#[pyclass(module = "natskit", name = "Service", frozen)]
pub struct Service {
    core: natskit::Service,
}

/// A running service used with `await`.
#[pyclass(module = "natskit.aio", name = "Service", frozen)]
pub struct AsyncService {
    core: natskit::Service,
}

impl Service {
    const ASYNCIO: bool = false;
}

impl AsyncService {
    const ASYNCIO: bool = true;
}

both! { Service {
    /// A group of endpoints under `prefix.` (in `queue_group` unless they set their own).
    #[pyo3(signature = (prefix, *, queue_group=None))]
    fn add_group(&self, prefix: &str, queue_group: Option<&str>) -> PyResult<Group> {
        crate::runtime::guard(|| Ok(Group { core: self.core.group(prefix, queue_group).py_err()? }))
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        crate::runtime::guard(|| self.stop(py))
    }
}, AsyncService {
    /// A group of endpoints under `prefix.` (in `queue_group` unless they set their own).
    #[pyo3(signature = (prefix, *, queue_group=None))]
    fn add_group(&self, prefix: &str, queue_group: Option<&str>) -> PyResult<AsyncGroup> {
        crate::runtime::guard(|| Ok(AsyncGroup { core: self.core.group(prefix, queue_group).py_err()? }))
    }

    fn __aenter__<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let py = slf.py();
            Ok(Ready::new(py, slf)?.into_any())
        })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(&self, py: Python<'py>, _exc: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| self.stop(py))
    }
}, shared {
    /// The service name.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.core.name()))
    }

    /// This instance's id.
    #[getter]
    fn id(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.core.id()))
    }

    /// The semantic version.
    #[getter]
    fn version(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.core.version()))
    }

    /// True once stopped.
    #[getter]
    fn stopped(&self) -> PyResult<bool> {
        crate::runtime::guard(|| Ok(self.core.is_stopped()))
    }

    /// What `$SRV.INFO` answers: name, id, version, description, metadata, endpoints.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::to_python(py, &self.core.info()))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok(format!("Service({:?}, id={:?})", self.core.name(), self.core.id())))
    }
};
    /// Adds an endpoint on `subject`, named `name` (the subject with `-` for `.` by default).
    #[pyo3(signature = (subject, *, name=None, queue_group=None, metadata=None))]
    fn add_endpoint(&self, subject: [String], name: [Option<String>], queue_group: [Option<String>], metadata: [Option<&Bound<'_, PyAny>>]) -> Started {
        let (config, core) = (endpoint_config(subject, name, queue_group, metadata)?, self.core.clone());
        async move { Ok::<_, PyErr>(Started::Endpoint(core.endpoint(config).await.py_err()?, Self::ASYNCIO)) }
    }

    /// What `$SRV.STATS` answers (durations in seconds).
    fn stats(&self) -> Json {
        let core = self.core.clone();
        async move { Ok::<_, PyErr>(Json(stats_json(&core.stats().await)?)) }
    }

    /// Stops: discovery ends, endpoints leave their queue group, requests that had arrived
    /// are still handed out, then `next` raises `ClosedError`. Stopping twice does nothing.
    fn stop(&self) -> () {
        let core = self.core.clone();
        async move { core.stop().await.py_err() }
    }
}

/// Endpoints sharing a subject prefix (and queue group), added with blocking calls.
#[pyclass(module = "natskit", name = "Group", frozen)]
pub struct Group {
    core: svc::Group,
}

/// Endpoints sharing a subject prefix (and queue group), added with `await`.
#[pyclass(module = "natskit.aio", name = "Group", frozen)]
pub struct AsyncGroup {
    core: svc::Group,
}

impl Group {
    const ASYNCIO: bool = false;
}

impl AsyncGroup {
    const ASYNCIO: bool = true;
}

both! { Group {
    /// A nested group (`prefix.inner`).
    #[pyo3(signature = (prefix, *, queue_group=None))]
    fn add_group(&self, prefix: &str, queue_group: Option<&str>) -> PyResult<Group> {
        crate::runtime::guard(|| Ok(Group { core: self.core.group(prefix, queue_group).py_err()? }))
    }
}, AsyncGroup {
    /// A nested group (`prefix.inner`).
    #[pyo3(signature = (prefix, *, queue_group=None))]
    fn add_group(&self, prefix: &str, queue_group: Option<&str>) -> PyResult<AsyncGroup> {
        crate::runtime::guard(|| Ok(AsyncGroup { core: self.core.group(prefix, queue_group).py_err()? }))
    }
}, shared {
    /// The subject prefix.
    #[getter]
    fn prefix(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.core.prefix()))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok(format!("Group({:?})", self.core.prefix())))
    }
};
    /// Adds an endpoint on `prefix.subject`.
    #[pyo3(signature = (subject, *, name=None, queue_group=None, metadata=None))]
    fn add_endpoint(&self, subject: [String], name: [Option<String>], queue_group: [Option<String>], metadata: [Option<&Bound<'_, PyAny>>]) -> Started {
        let (config, core) = (endpoint_config(subject, name, queue_group, metadata)?, self.core.clone());
        async move { Ok::<_, PyErr>(Started::Endpoint(core.endpoint(config).await.py_err()?, Self::ASYNCIO)) }
    }
}

type EndpointCell = Arc<Mutex<svc::Endpoint>>;

fn is_end(err: &natskit::Error) -> bool {
    err.code() == natskit::ErrorCode::Closed
}

/// An endpoint read with blocking calls: `next(timeout)` or iteration.
#[pyclass(module = "natskit", name = "Endpoint", frozen)]
pub struct Endpoint {
    cell: EndpointCell,
    name: String,
    subject: String,
}

#[pymethods]
impl Endpoint {
    /// The endpoint name.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.name.as_str()))
    }

    /// The full subject it listens on.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.subject.as_str()))
    }

    /// The next request, or `None` once `timeout` seconds pass (`None` waits forever);
    /// `ClosedError` once the service stopped and every arrived request was handed out.
    #[pyo3(signature = (timeout=None))]
    fn next(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Request>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let got = wait(py, async {
                self.cell.lock().await.next_timeout(timeout).await
            })?;
            Ok(got.py_err()?.map(Request::new))
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Request>> {
        crate::runtime::guard(|| {
            match wait(py, async {
                self.cell.lock().await.next_timeout(None).await
            })? {
                Err(e) if is_end(&e) => Ok(None),
                got => Ok(got.py_err()?.map(Request::new)),
            }
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok(format!(
                "Endpoint({:?}, subject={:?})",
                self.name, self.subject
            ))
        })
    }
}

/// An endpoint read with `await next()` or `async for`.
#[pyclass(module = "natskit.aio", name = "Endpoint", frozen)]
pub struct AsyncEndpoint {
    cell: EndpointCell,
    name: String,
    subject: String,
}

#[pymethods]
impl AsyncEndpoint {
    /// The endpoint name.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.name.as_str()))
    }

    /// The full subject it listens on.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.subject.as_str()))
    }

    /// The next request, or `None` once `timeout` seconds pass (`None` waits forever).
    #[pyo3(signature = (timeout=None))]
    fn next<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let timeout = seconds(timeout, "timeout")?;
            let cell = self.cell.clone();
            awaitable(py, async move {
                let got = cell.lock().await.next_timeout(timeout).await.py_err()?;
                Ok(got.map(AsyncRequest::new))
            })
        })
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let cell = self.cell.clone();
            awaitable(py, async move {
                match cell.lock().await.next_timeout(None).await {
                    Ok(Some(r)) => Ok(AsyncRequest::new(r)),
                    Ok(None) => Err(PyStopAsyncIteration::new_err(())),
                    Err(e) if is_end(&e) => Err(PyStopAsyncIteration::new_err(())),
                    Err(e) => Err(to_py(e)),
                }
            })
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok(format!(
                "Endpoint({:?}, subject={:?})",
                self.name, self.subject
            ))
        })
    }
}

/// A request answered with blocking calls.
#[pyclass(module = "natskit", name = "Request", frozen)]
pub struct Request {
    core: Arc<svc::Request>,
}

/// A request answered with `await`.
#[pyclass(module = "natskit.aio", name = "Request", frozen)]
pub struct AsyncRequest {
    core: Arc<svc::Request>,
}

impl Request {
    fn new(core: svc::Request) -> Self {
        Request {
            core: Arc::new(core),
        }
    }
}

impl AsyncRequest {
    fn new(core: svc::Request) -> Self {
        AsyncRequest {
            core: Arc::new(core),
        }
    }
}

both! { Request {}, AsyncRequest {}, shared {
    /// The subject it was sent to.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.core.subject()))
    }

    /// The reply subject.
    #[getter]
    fn reply(&self) -> PyResult<Option<&str>> {
        crate::runtime::guard(|| Ok(self.core.message().reply()))
    }

    /// The payload.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::runtime::guard(|| Ok(PyBytes::new(py, self.core.data())))
    }

    /// The headers (empty when there are none).
    #[getter]
    fn headers(&self) -> PyResult<Headers> {
        crate::runtime::guard(|| Ok(Headers { inner: self.core.message().headers() }))
    }

    /// The payload decoded as JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::loads(py, self.core.data()))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok(format!("Request(subject={:?}, {} bytes)", self.core.subject(), self.core.data().len())))
    }
};
    /// Answers with `data` (bytes, str, or a JSON-serialisable value); once per request.
    #[pyo3(signature = (data=None, *, headers=None))]
    fn respond(&self, data: [Option<&Bound<'_, PyAny>>], headers: [Option<&Bound<'_, PyAny>>]) -> () {
        let data = data.map(payload::to_bytes).transpose()?.unwrap_or_default();
        let (headers, core) = (headers::optional(headers)?, self.core.clone());
        async move { core.respond_with(data, headers.as_ref()).await.py_err() }
    }

    /// Answers with an error: `description` and `code` in the `Nats-Service-Error` and
    /// `Nats-Service-Error-Code` headers; the endpoint counts it in its stats.
    fn respond_error(&self, code: [u32], description: [String]) -> () {
        let core = self.core.clone();
        async move { core.respond_error(code, &description).await.py_err() }
    }
}
