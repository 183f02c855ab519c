//! `natskit.Manager` and `natskit.aio.Manager`: named connections from a config.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::client::{AsyncClient, Client};
use crate::error::IntoPy;
use crate::payload;
use crate::runtime::{awaitable, wait};
use crate::twins::both;

/// Reads a config given as a dict (the JSON form), a file path (TOML or JSON),
/// or `None` (the environment).
fn config(value: Option<&Bound<'_, PyAny>>) -> PyResult<natskit::Config> {
    match value.filter(|v| !v.is_none()) {
        None => natskit::Config::from_env().py_err(),
        Some(v) if v.is_instance_of::<PyDict>() => {
            natskit::Config::from_value(payload::to_value(v)?).py_err()
        }
        Some(v) => natskit::Config::from_file(v.extract::<PathBuf>()?).py_err(),
    }
}

/// Named connections for blocking use, each opened on first use.
#[pyclass(module = "natskit", name = "Manager", frozen)]
pub struct Manager {
    core: Arc<natskit::Manager>,
    clients: Mutex<HashMap<String, Py<Client>>>,
}

both! { Manager {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        crate::runtime::guard(|| {
            Ok(Manager {
                core: Arc::new(natskit::Manager::new(self::config(config)?)),
                clients: Mutex::new(HashMap::new()),
            })
        })
    }

    /// The named connection (`None`: the default), connecting on first use. The same
    /// `Client` object is returned while it is open, so its callbacks stay together.
    #[pyo3(signature = (name=None))]
    fn connection(&self, py: Python<'_>, name: Option<&str>) -> PyResult<Py<Client>> {
        crate::runtime::guard(|| {
            let key = name.unwrap_or(&self.core.config().default).to_string();
            if let Some(client) = self.lock().get(&key) {
                if !client.get().core.is_closed() {
                    return Ok(client.clone_ref(py));
                }
            }
            let core = wait(py, self.core.connection(Some(&key)))?.py_err()?;
            let client = Py::new(py, Client::new(core))?;
            self.lock().insert(key, client.clone_ref(py));
            Ok(client)
        })
    }

    /// Closes one connection; the next `connection(name)` opens a new one.
    fn close(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.lock().remove(name);
            wait(py, self.core.close(name))?.py_err()
        })
    }

    /// Closes every open connection.
    fn close_all(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.lock().clear();
            wait(py, self.core.close_all())?.py_err()
        })
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok({
            slf
        }))
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        crate::runtime::guard(|| {
            self.close_all(py)
        })
    }
}, AsyncManager {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        crate::runtime::guard(|| {
            Ok(AsyncManager {
                core: Arc::new(natskit::Manager::new(self::config(config)?)),
            })
        })
    }

    /// The named connection (`None`: the default), connecting on first use.
    #[pyo3(signature = (name=None))]
    fn connection<'py>(
        &self,
        py: Python<'py>,
        name: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            awaitable(py, async move {
                let client = core.connection(name.as_deref()).await.py_err()?;
                Ok(AsyncClient { core: client })
            })
        })
    }

    /// Closes one connection; the next `connection(name)` opens a new one.
    fn close<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            awaitable(py, async move { core.close(&name).await.py_err() })
        })
    }

    /// Closes every open connection.
    fn close_all<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let core = self.core.clone();
            awaitable(py, async move { core.close_all().await.py_err() })
        })
    }

    fn __aenter__<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let py = slf.py();
            Ok(crate::runtime::Ready::new(py, slf)?.into_any())
        })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            self.close_all(py)
        })
    }
}, shared {
    /// A manager configured from `NATSKIT_CONFIG` or the `NATS_*` variables.
    #[staticmethod]
    fn from_env() -> PyResult<Self> {
        crate::runtime::guard(|| {
            Self::new(None)
        })
    }

    /// The configured connection names.
    #[getter]
    fn names(&self) -> PyResult<Vec<String>> {
        crate::runtime::guard(|| Ok({
            self.core.config().names()
        }))
    }

    /// The name of the default connection.
    #[getter]
    fn default(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok({
            self.core.config().default.clone()
        }))
    }
};
}

impl Manager {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Py<Client>>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Named connections for asyncio, each opened on first use.
#[pyclass(module = "natskit.aio", name = "Manager", frozen)]
pub struct AsyncManager {
    core: Arc<natskit::Manager>,
}
