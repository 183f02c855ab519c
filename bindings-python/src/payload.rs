//! Python values to and from wire payloads: bytes pass through, `str` is UTF-8,
//! anything else JSON-serialisable (dict, list, numbers) is sent as JSON.

use bytes::Bytes;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyString, PyTuple};

static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The payload bytes for `data`.
pub fn to_bytes(data: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(Bytes::copy_from_slice(b.as_bytes()));
    }
    if let Ok(s) = data.cast::<PyString>() {
        return Ok(Bytes::copy_from_slice(s.to_cow()?.as_bytes()));
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        return Ok(Bytes::from(b.to_vec()));
    }
    if data.is_none() {
        return Ok(Bytes::new());
    }
    if let Ok(view) = data.call_method0("tobytes") {
        if let Ok(b) = view.cast::<PyBytes>() {
            return Ok(Bytes::copy_from_slice(b.as_bytes()));
        }
    }
    let text = dumps(data).map_err(|e| {
        PyTypeError::new_err(format!(
            "payload must be bytes, str or JSON-serialisable, not {}: {e}",
            data.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    Ok(Bytes::from(text.into_bytes()))
}

/// `json.dumps(value)` in the compact form used on the wire.
pub fn dumps(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    let dumps = DUMPS.get_or_try_init(py, || {
        py.import("json")?.getattr("dumps").map(Bound::unbind)
    })?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("separators", (",", ":"))?;
    dumps.bind(py).call((value,), Some(&kwargs))?.extract()
}

/// `json.loads(text)`.
pub fn loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let loads = LOADS.get_or_try_init(py, || {
        py.import("json")?.getattr("loads").map(Bound::unbind)
    })?;
    loads.bind(py).call1((PyBytes::new(py, text),))
}

/// A serde value (stats, events) as the equivalent Python dict.
pub fn to_python<'py>(
    py: Python<'py>,
    value: &impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let text =
        serde_json::to_vec(value).map_err(|e| crate::error::to_py(natskit::Error::from(e)))?;
    loads(py, &text)
}

/// A JSON-serialisable Python value as a serde value (job payloads, configs). A NaN or
/// infinite float has no JSON form: `INVALID_ARGUMENT` naming where it is.
pub fn to_value(value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    serde_json::from_str(&dumps(value)?).map_err(|e| {
        let mut path = Vec::new();
        let err = if non_finite(value, &mut path) {
            natskit::Error::new(
                natskit::ErrorCode::InvalidArgument,
                format!(
                    "{}: NaN and infinity are not numbers (use a finite value)",
                    path.join(".")
                ),
            )
        } else {
            natskit::Error::from(e)
        };
        crate::error::to_py(err)
    })
}

/// Whether a NaN or infinite float is in `value` (dicts, lists and tuples); `path` leads to it.
fn non_finite(value: &Bound<'_, PyAny>, path: &mut Vec<String>) -> bool {
    if let Ok(f) = value.cast::<PyFloat>() {
        return !f.value().is_finite();
    }
    let items: Vec<(String, Bound<'_, PyAny>)> = if let Ok(dict) = value.cast::<PyDict>() {
        dict.iter().map(|(k, v)| (k.to_string(), v)).collect()
    } else if let Ok(list) = value.cast::<PyList>() {
        list.iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect()
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        tuple
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect()
    } else {
        return false;
    };
    for (key, item) in items {
        path.push(key);
        if non_finite(&item, path) {
            return true;
        }
        path.pop();
    }
    false
}
