//! `natskit.Message` (answered synchronously) and `natskit.aio.Message` (answered with `await`).

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::IntoPy;
use crate::headers::{self, Headers};
use crate::payload;
use crate::runtime::{awaitable, wait};

/// A received message.
#[pyclass(module = "natskit", name = "Message", subclass, frozen)]
pub struct Message {
    pub(crate) msg: natskit::Message,
}

impl Message {
    /// The sync form of a core message.
    pub fn sync(msg: natskit::Message) -> Message {
        Message { msg }
    }

    /// The asyncio form of a core message.
    pub fn asyncio(py: Python<'_>, msg: natskit::Message) -> PyResult<Bound<'_, AsyncMessage>> {
        Bound::new(
            py,
            PyClassInitializer::from(Message { msg }).add_subclass(AsyncMessage),
        )
    }
}

/// The reply arguments shared by both forms.
fn reply_parts(
    data: &Bound<'_, PyAny>,
    headers: Option<&Bound<'_, PyAny>>,
) -> PyResult<(bytes::Bytes, Option<natskit::Headers>)> {
    Ok((payload::to_bytes(data)?, headers::optional(headers)?))
}

#[pymethods]
impl Message {
    /// The subject it was published to.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        crate::runtime::guard(|| Ok(self.msg.subject()))
    }

    /// The reply subject, when the sender waits for an answer.
    #[getter]
    fn reply(&self) -> PyResult<Option<&str>> {
        crate::runtime::guard(|| Ok(self.msg.reply()))
    }

    /// The payload.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::runtime::guard(|| Ok(PyBytes::new(py, self.msg.data())))
    }

    /// The headers (empty when there are none).
    #[getter]
    fn headers(&self) -> PyResult<Headers> {
        crate::runtime::guard(|| {
            Ok({
                Headers {
                    inner: self.msg.headers(),
                }
            })
        })
    }

    /// The sender's W3C trace context (`trace_id`, `span_id`, `flags`, `sampled`,
    /// `tracestate`), or `None` when it sent none or a malformed one.
    #[getter]
    fn trace_context<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        crate::runtime::guard(|| {
            self.msg
                .trace_context()
                .map(|c| payload::to_python(py, &c))
                .transpose()
        })
    }

    /// The payload decoded as JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| payload::loads(py, self.msg.data()))
    }

    /// Publishes `data` to the reply subject.
    #[pyo3(signature = (data, *, headers=None))]
    fn respond(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        crate::runtime::guard(|| {
            let (data, headers) = reply_parts(data, headers)?;
            wait(py, self.msg.respond_with(data, headers.as_ref()))?.py_err()
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        crate::runtime::guard(|| {
            Ok({
                format!(
                    "Message(subject={:?}, reply={:?}, {} bytes)",
                    self.msg.subject(),
                    self.msg.reply(),
                    self.msg.data().len()
                )
            })
        })
    }
}

/// A received message whose `respond` is awaited.
#[pyclass(module = "natskit.aio", name = "Message", extends = Message, frozen)]
pub struct AsyncMessage;

#[pymethods]
impl AsyncMessage {
    /// Publishes `data` to the reply subject.
    #[pyo3(signature = (data, *, headers=None))]
    fn respond<'py>(
        slf: PyRef<'py, Self>,
        data: &Bound<'py, PyAny>,
        headers: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let (data, headers) = reply_parts(data, headers)?;
            let msg = slf.as_super().msg.clone();
            awaitable(slf.py(), async move {
                msg.respond_with(data, headers.as_ref()).await.py_err()
            })
        })
    }
}

/// A core message on its way to Python as a `natskit.aio.Message`.
pub struct AsyncMsg(pub natskit::Message);

impl<'py> IntoPyObject<'py> for AsyncMsg {
    type Target = AsyncMessage;
    type Output = Bound<'py, AsyncMessage>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Message::asyncio(py, self.0)
    }
}
