//! The current OpenTelemetry span's W3C context, when `opentelemetry-api` is installed: a
//! publish, request or push given no `traceparent` carries it. Without the package nothing is
//! called (the import is tried once).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `opentelemetry.propagate.inject`, or `None` when the package is not installed.
static INJECT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();

/// The caller's `(traceparent, tracestate)`: the given ones, else the current span's (none
/// when there is no valid current span or no OpenTelemetry).
pub fn or_current(
    py: Python<'_>,
    traceparent: Option<String>,
    tracestate: Option<String>,
) -> (Option<String>, Option<String>) {
    if traceparent.is_some() || tracestate.is_some() {
        return (traceparent, tracestate);
    }
    match current(py) {
        Some(ctx) => (Some(ctx.traceparent()), ctx.tracestate),
        None => (None, None),
    }
}

/// What the global propagator writes for the current context, read leniently by core.
fn current(py: Python<'_>) -> Option<natskit::TraceContext> {
    let inject = INJECT
        .get_or_init(py, || {
            let module = py.import("opentelemetry.propagate").ok()?;
            module.getattr("inject").ok().map(Bound::unbind)
        })
        .as_ref()?;
    let carrier = PyDict::new(py);
    inject.call1(py, (&carrier,)).ok()?;
    let header = |name: &str| -> Option<String> { carrier.get_item(name).ok()??.extract().ok() };
    natskit::TraceContext::received(&header("traceparent")?, header("tracestate").as_deref())
}
