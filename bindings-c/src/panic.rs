//! The panic boundary: every export runs its body through [`guard`] or [`guard_value`],
//! so a panic becomes `NATSKIT_STATUS_PANIC` instead of unwinding into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use natskit::error::panic_error;
use natskit::Result;

use crate::error::{fail, natskit_status};

/// Runs a fallible export body: `Ok` → `NATSKIT_STATUS_OK`, an error or a panic → its status
/// (and `natskit_last_error()` text).
pub(crate) fn guard(body: impl FnOnce() -> Result<()>) -> natskit_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => natskit_status::Ok,
        Ok(Err(err)) => fail(err),
        Err(payload) => fail(panic_error(payload.as_ref())),
    }
}

/// Runs an infallible export body (accessors, `_free`); a panic yields `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        fail(panic_error(payload.as_ref()));
        fallback
    })
}
