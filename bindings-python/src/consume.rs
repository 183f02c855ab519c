//! `JetStream.consume()` and `JetStream.ordered()`: a consumer's messages as
//! `ConsumerMessages` (blocking: `next(timeout)` and `for`) and `aio.ConsumerMessages`
//! (`await next(timeout)`, `async for`).
//! Messages are the same `JsMessage` types `fetch` returns.

use std::sync::Arc;

use natskit::jetstream as js;
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use tokio::sync::Mutex;

use crate::error::IntoPy;
use crate::jetstream::{Pulled, PulledOne};
use crate::runtime::{awaitable, seconds, wait};
use crate::twins::both;

/// Messages of a consumer (`consume`) or of a stream in order (`ordered`), arriving in the
/// background; `for msg in ...` until `stop()` (or `break`).
#[pyclass(module = "natskit", name = "ConsumerMessages", frozen)]
pub struct ConsumerMessages {
    shared: Shared,
}

/// Messages of a consumer (`consume`) or of a stream in order (`ordered`), arriving in the
/// background; `async for msg in ...` until `stop()` (or `break`).
#[pyclass(module = "natskit.aio", name = "ConsumerMessages", frozen)]
pub struct AsyncConsumerMessages {
    shared: Shared,
}

/// The core subscription behind a lock, and its stop handle that needs no lock.
#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<js::Messages>>,
    control: js::MessagesControl,
}

impl Shared {
    fn new(messages: js::Messages) -> Shared {
        Shared {
            control: messages.control(),
            inner: Arc::new(Mutex::new(messages)),
        }
    }

    /// The next message, `None` once stopped (the end of iteration).
    async fn until_end(&self) -> natskit::Result<Option<js::JsMessage>> {
        match self.inner.lock().await.next(None).await {
            Err(e) if e.code() == natskit::ErrorCode::Closed => Ok(None),
            got => got,
        }
    }
}

/// The object `consume` returns, in the context's form.
pub struct Consumed {
    messages: js::Messages,
    asyncio: bool,
}

impl Consumed {
    pub fn new(messages: js::Messages, asyncio: bool) -> Consumed {
        Consumed { messages, asyncio }
    }
}

impl<'py> IntoPyObject<'py> for Consumed {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let shared = Shared::new(self.messages);
        Ok(if self.asyncio {
            Bound::new(py, AsyncConsumerMessages { shared })?.into_any()
        } else {
            Bound::new(py, ConsumerMessages { shared })?.into_any()
        })
    }
}

impl ConsumerMessages {
    const ASYNCIO: bool = false;
}

impl AsyncConsumerMessages {
    const ASYNCIO: bool = true;
}

fn one(got: Option<js::JsMessage>, asyncio: bool) -> PulledOne {
    PulledOne::new(Pulled::new(got.into_iter().collect(), asyncio))
}

both! { ConsumerMessages {
    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<PulledOne> {
        crate::runtime::guard(|| {
            match wait(py, self.shared.until_end())?.py_err()? {
                Some(msg) => Ok(one(Some(msg), false)),
                None => Err(PyStopIteration::new_err(())),
            }
        })
    }
}, AsyncConsumerMessages {
    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        crate::runtime::guard(|| Ok(slf))
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::guard(|| {
            let shared = self.shared.clone();
            awaitable(py, async move {
                match shared.until_end().await.py_err()? {
                    Some(msg) => Ok(one(Some(msg), true)),
                    None => Err(PyStopAsyncIteration::new_err(())),
                }
            })
        })
    }
};
    /// The next message, or `None` once `timeout` seconds pass (`None`: wait until one comes);
    /// `ClosedError` once stopped.
    #[pyo3(signature = (timeout=None))]
    fn next(&self, timeout: [Option<f64>]) -> PulledOne {
        let (timeout, inner) = (seconds(timeout, "timeout")?, self.shared.inner.clone());
        async move {
            let got = inner.lock().await.next(timeout).await.py_err()?;
            Ok::<_, PyErr>(one(got, Self::ASYNCIO))
        }
    }

    /// Stops pulling; a `next` waiting elsewhere ends too (iteration ends).
    fn stop(&self) -> () {
        self.shared.control.stop();
        let inner = self.shared.inner.clone();
        async move {
            inner.lock().await.stop();
            Ok::<_, PyErr>(())
        }
    }
}
