//! The one place where core errors become Python exceptions (`natskit.errors`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Converts a core error into the `natskit.NatsError` subclass for its code.
pub fn to_py(err: natskit::Error) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let from_core = FROM_CORE.get_or_try_init(py, || {
                py.import("natskit.errors")?
                    .getattr("_from_core")
                    .map(Bound::unbind)
            })?;
            let code = err.code();
            let exc = from_core.call1(
                py,
                (
                    code.as_str(),
                    code.number(),
                    err.message(),
                    err.server_code(),
                ),
            )?;
            Ok(PyErr::from_value(exc.into_bound(py)))
        };
        build().unwrap_or_else(|e| {
            PyRuntimeError::new_err(format!(
                "natskit: {} ({}) [could not load natskit.errors: {e}]",
                err.message(),
                err.code()
            ))
        })
    })
}

/// `Result` conversion shorthand used by every method.
pub trait IntoPy<T> {
    /// Maps the core error with [`to_py`].
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for natskit::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
