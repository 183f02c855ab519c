//! `natskit.testing.LocalCluster`: core's three routed JetStream nodes, for failover tests.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use tokio::sync::Mutex;

use crate::error::IntoPy;
use crate::runtime::{guard, wait};
use crate::server::installed_server;

/// Three routed nats-server nodes with JetStream on 127.0.0.1, stopped on exit.
#[pyclass(module = "natskit.testing", name = "LocalCluster", frozen)]
pub struct LocalCluster {
    cluster: Mutex<Option<natskit::LocalCluster>>,
    urls: Vec<String>,
}

#[pymethods]
impl LocalCluster {
    /// Starts the nodes and returns once JetStream has elected a meta leader.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        guard(|| {
            let binary = installed_server(py)?;
            let cluster = wait(py, natskit::LocalCluster::start_with_binary(binary))?.py_err()?;
            Ok(LocalCluster {
                urls: cluster.urls(),
                cluster: Mutex::new(Some(cluster)),
            })
        })
    }

    /// The client URLs of every node, node 0 first.
    #[getter]
    fn urls(&self) -> PyResult<Vec<String>> {
        guard(|| Ok(self.urls.clone()))
    }

    /// Kills node 0, 1 or 2 (SIGKILL), keeping its ports and store for `restart`.
    fn kill(&self, py: Python<'_>, node: usize) -> PyResult<()> {
        guard(|| {
            wait(py, async {
                match self.cluster.lock().await.as_mut() {
                    Some(cluster) => cluster.kill(node),
                    None => Err(stopped()),
                }
            })?
            .py_err()
        })
    }

    /// Starts a killed node again and returns once JetStream has a meta leader.
    fn restart(&self, py: Python<'_>, node: usize) -> PyResult<()> {
        guard(|| {
            wait(py, async {
                match self.cluster.lock().await.as_mut() {
                    Some(cluster) => cluster.restart(node).await,
                    None => Err(stopped()),
                }
            })?
            .py_err()
        })
    }

    /// Stops every node.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            let cluster = wait(py, async { self.cluster.lock().await.take() })?;
            py.detach(|| drop(cluster));
            Ok(())
        })
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        guard(|| Ok(slf))
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        guard(|| self.stop(py))
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| Ok(format!("LocalCluster(urls={:?})", self.urls)))
    }
}

fn stopped() -> natskit::Error {
    natskit::Error::new(
        natskit::ErrorCode::Closed,
        "the cluster was stopped; start a new LocalCluster",
    )
}
