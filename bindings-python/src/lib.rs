//! `natskit._native`: the Python binding of the natskit core. The pure-Python package
//! `natskit` re-exports these types (sync), `natskit.aio` the asyncio ones,
//! `natskit.testing` the local server and cluster. Behaviour lives in core; this crate translates.

mod client;
mod cluster;
mod consume;
mod dispatch;
mod error;
mod events;
mod headers;
mod jetstream;
mod manager;
mod message;
mod object_store;
mod payload;
mod queue;
mod runtime;
mod server;
mod service;
mod subscription;
mod twins;

use pyo3::prelude::*;

/// The core's error table, `(name, number)` in numeric order: tests compare
/// `natskit.errors` (generated from the same table) against it.
#[pyfunction]
fn _error_codes() -> PyResult<Vec<(&'static str, u32)>> {
    crate::runtime::guard(|| {
        Ok({
            natskit::ErrorCode::ALL
                .iter()
                .map(|code| (code.as_str(), code.number()))
                .collect()
        })
    })
}

/// Panics on purpose, so tests can see a panic become `PanicError`: by default inside a
/// core future; `kind="binding"` in this binding code itself (outside any core future);
/// `kind="asyncio"` in binding code that would hand back an asyncio awaitable, as the
/// `both!` twins do.
#[pyfunction]
#[pyo3(signature = (kind=None))]
fn _panic_for_tests(py: Python<'_>, kind: Option<&str>) -> PyResult<Py<PyAny>> {
    crate::runtime::guard(|| match kind {
        Some("binding") => {
            natskit::error::panic_for_tests();
            Ok(py.None())
        }
        Some("asyncio") => {
            let future = crate::runtime::guard(move || {
                natskit::error::panic_for_tests();
                Ok(async { Ok(()) })
            })?;
            Ok(runtime::awaitable(py, future)?.unbind())
        }
        _ => {
            runtime::wait(py, async { natskit::error::panic_for_tests() })?;
            Ok(py.None())
        }
    })
}

/// Async classes share their sync twins' Python names (`natskit.aio.Client`), so they
/// are added under `Async*` names and re-exported by `natskit.aio`.
#[pymodule]
#[pyo3(name = "_native")]
fn natskit_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", natskit::VERSION)?;
    m.add_function(wrap_pyfunction!(_error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(client::connect, m)?)?;
    m.add_function(wrap_pyfunction!(client::connect_async, m)?)?;
    m.add_class::<client::Client>()?;
    m.add("AsyncClient", m.py().get_type::<client::AsyncClient>())?;
    m.add_class::<subscription::Subscription>()?;
    m.add(
        "AsyncSubscription",
        m.py().get_type::<subscription::AsyncSubscription>(),
    )?;
    m.add_class::<message::Message>()?;
    m.add("AsyncMessage", m.py().get_type::<message::AsyncMessage>())?;
    m.add_class::<headers::Headers>()?;
    m.add_class::<manager::Manager>()?;
    m.add("AsyncManager", m.py().get_type::<manager::AsyncManager>())?;
    m.add_class::<jetstream::JetStream>()?;
    m.add(
        "AsyncJetStream",
        m.py().get_type::<jetstream::AsyncJetStream>(),
    )?;
    m.add_class::<jetstream::JsMessage>()?;
    m.add(
        "AsyncJsMessage",
        m.py().get_type::<jetstream::AsyncJsMessage>(),
    )?;
    m.add_class::<jetstream::Publisher>()?;
    m.add(
        "AsyncPublisher",
        m.py().get_type::<jetstream::AsyncPublisher>(),
    )?;
    m.add_class::<jetstream::KeyValue>()?;
    m.add(
        "AsyncKeyValue",
        m.py().get_type::<jetstream::AsyncKeyValue>(),
    )?;
    m.add_class::<jetstream::KvWatch>()?;
    m.add_class::<object_store::ObjectStore>()?;
    m.add(
        "AsyncObjectStore",
        m.py().get_type::<object_store::AsyncObjectStore>(),
    )?;
    m.add_class::<object_store::ObjectWatch>()?;
    m.add_class::<consume::ConsumerMessages>()?;
    m.add(
        "AsyncConsumerMessages",
        m.py().get_type::<consume::AsyncConsumerMessages>(),
    )?;
    m.add_class::<queue::Queue>()?;
    m.add("AsyncQueue", m.py().get_type::<queue::AsyncQueue>())?;
    m.add_class::<queue::Job>()?;
    m.add("AsyncJob", m.py().get_type::<queue::AsyncJob>())?;
    m.add_class::<queue::FailedJobs>()?;
    m.add(
        "AsyncFailedJobs",
        m.py().get_type::<queue::AsyncFailedJobs>(),
    )?;
    m.add_class::<queue::FailedJob>()?;
    m.add_class::<queue::QueueSize>()?;
    m.add_class::<queue::WorkerStats>()?;
    m.add_class::<queue::QueueWorker>()?;
    m.add_function(wrap_pyfunction!(queue::check_worker_hook, m)?)?;
    m.add(
        "WORKER_HOOKS",
        pyo3::types::PyTuple::new(m.py(), queue::worker_hooks())?,
    )?;
    m.add_class::<queue::AsyncQueueWorker>()?;
    m.add_class::<service::Service>()?;
    m.add("AsyncService", m.py().get_type::<service::AsyncService>())?;
    m.add_class::<service::Group>()?;
    m.add("AsyncGroup", m.py().get_type::<service::AsyncGroup>())?;
    m.add_class::<service::Endpoint>()?;
    m.add("AsyncEndpoint", m.py().get_type::<service::AsyncEndpoint>())?;
    m.add_class::<service::Request>()?;
    m.add("AsyncRequest", m.py().get_type::<service::AsyncRequest>())?;
    m.add_class::<server::LocalServer>()?;
    m.add_class::<cluster::LocalCluster>()?;
    m.add_class::<runtime::Ready>()?;
    Ok(())
}
