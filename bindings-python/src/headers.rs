//! `natskit.Headers`: multi-valued message headers looked up without regard to case.

use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

/// Message headers (core `Headers`): a name may carry several values.
#[pyclass(module = "natskit", name = "Headers", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Headers {
    pub(crate) inner: natskit::Headers,
}

#[pymethods]
impl Headers {
    #[new]
    #[pyo3(signature = (headers=None))]
    fn new(headers: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        crate::runtime::guard(|| {
            Ok(Headers {
                inner: headers.map(from_python).transpose()?.unwrap_or_default(),
            })
        })
    }

    /// The first value of `name` (any case), or `default`.
    #[pyo3(signature = (name, default=None))]
    fn get(&self, name: &str, default: Option<String>) -> PyResult<Option<String>> {
        crate::runtime::guard(|| Ok(self.inner.get(name).map(String::from).or(default)))
    }

    /// Every value of `name` (any case), in order.
    fn get_all(&self, name: &str) -> PyResult<Vec<String>> {
        crate::runtime::guard(|| Ok(self.inner.get_all(name).map(String::from).collect()))
    }

    /// The distinct names, in order of first appearance.
    fn keys(&self) -> PyResult<Vec<String>> {
        crate::runtime::guard(|| {
            Ok({
                let mut names: Vec<String> = Vec::new();
                for (name, _) in self.inner.iter() {
                    if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                        names.push(name.to_string());
                    }
                }
                names
            })
        })
    }

    /// Every (name, value) pair in order.
    fn items(&self) -> PyResult<Vec<(String, String)>> {
        crate::runtime::guard(|| {
            Ok({
                self.inner
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect()
            })
        })
    }

    /// `{name: [values]}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        crate::runtime::guard(|| {
            let dict = PyDict::new(py);
            for name in self.keys()? {
                dict.set_item(&name, self.get_all(&name)?)?;
            }
            Ok(dict)
        })
    }

    fn __getitem__(&self, name: &str) -> PyResult<String> {
        crate::runtime::guard(|| {
            self.inner
                .get(name)
                .map(String::from)
                .ok_or_else(|| PyKeyError::new_err(name.to_string()))
        })
    }

    fn __contains__(&self, name: &str) -> PyResult<bool> {
        crate::runtime::guard(|| Ok(self.inner.get(name).is_some()))
    }

    fn __len__(&self) -> PyResult<usize> {
        crate::runtime::guard(|| Ok(self.keys()?.len()))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| Ok(PyList::new(py, self.keys())?.try_iter()?.into_any()))
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| Ok(format!("Headers({})", self.inner.to_json())))
    }
}

/// Reads headers given as `Headers`, a mapping of name to value or list of values,
/// or an iterable of (name, value) pairs.
pub fn from_python(value: &Bound<'_, PyAny>) -> PyResult<natskit::Headers> {
    if let Ok(h) = value.cast::<Headers>() {
        return Ok(h.get().inner.clone());
    }
    let mut headers = natskit::Headers::new();
    let pairs = match value.cast::<PyDict>() {
        Ok(d) => d.items().into_any(),
        Err(_) => value.clone(),
    };
    for pair in pairs.try_iter().map_err(|_| bad_headers())? {
        let pair = pair?;
        let pair = pair.cast::<PyTuple>().map_err(|_| bad_headers())?;
        if pair.len() != 2 {
            return Err(bad_headers());
        }
        let name: String = pair.get_item(0)?.extract().map_err(|_| bad_headers())?;
        let values = pair.get_item(1)?;
        if values.is_instance_of::<PyString>() {
            headers.append(name, values.extract::<String>()?);
        } else {
            for v in values.try_iter().map_err(|_| bad_headers())? {
                headers.append(
                    name.clone(),
                    v?.extract::<String>().map_err(|_| bad_headers())?,
                );
            }
        }
    }
    Ok(headers)
}

/// Optional headers argument.
pub fn optional(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<natskit::Headers>> {
    value.filter(|v| !v.is_none()).map(from_python).transpose()
}

fn bad_headers() -> PyErr {
    PyTypeError::new_err(
        "headers must be natskit.Headers, a dict of name -> str or list of str, or (name, value) pairs",
    )
}
