//! Pointer and argument checks shared by every export: NULL, UTF-8, lengths, out-params,
//! handle ownership. Each returns `INVALID_ARGUMENT` naming the argument at fault.

use std::ffi::{c_char, c_void, CStr, CString};
use std::future::Future;
use std::time::Duration;

use natskit::{runtime, Error, ErrorCode, Result};

pub(crate) fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}

/// A required handle.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T> {
    ptr.as_ref()
        .ok_or_else(|| invalid(format!("{what} is NULL")))
}

/// A required out-param, checked before any work is done so nothing is lost on failure.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    ptr.as_mut()
        .ok_or_else(|| invalid(format!("{what} (out-param) is NULL")))
}

/// A required NUL-terminated UTF-8 string.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(invalid(format!("{what} is NULL")));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map_err(|_| invalid(format!("{what} is not valid UTF-8")))
}

/// An optional string: NULL means absent.
pub(crate) unsafe fn optional_text<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    text(ptr, what).map(Some)
}

/// An array of `len` items; NULL is accepted only with length 0.
pub(crate) unsafe fn slice<'a, T>(data: *const T, len: usize, what: &str) -> Result<&'a [T]> {
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(invalid(format!("{what}: length {len} is out of range")));
    }
    if data.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(invalid(format!("{what} is NULL but its length is {len}")));
    }
    Ok(std::slice::from_raw_parts(data, len))
}

/// A byte buffer; NULL is accepted only with length 0.
pub(crate) unsafe fn bytes<'a>(data: *const c_void, len: usize, what: &str) -> Result<&'a [u8]> {
    slice(data.cast::<u8>(), len, what)
}

/// A payload buffer, its length checked against the server's `max_payload` before the buffer
/// is read or copied (`PAYLOAD_TOO_LARGE`; a length beyond `isize::MAX` is `INVALID_ARGUMENT`);
/// NULL is accepted only with length 0.
pub(crate) unsafe fn payload<'a>(
    client: &natskit::Client,
    data: *const c_void,
    len: usize,
) -> Result<&'a [u8]> {
    if len <= isize::MAX as usize {
        client.check_payload_len(len)?;
    }
    bytes(data, len, "data")
}

/// Runs a core future on the shared runtime from the calling (non-runtime) thread.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    runtime::block_on(future)?
}

/// Moves a value to C as an owned handle.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Releases a handle made by [`into_handle`]; NULL does nothing. Async-nats values inside
/// are dropped with the runtime entered.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        let value = Box::from_raw(ptr);
        runtime::enter(|| drop(value));
    }
}

/// Text handed to C, released with `natskit_string_free`.
pub(crate) fn owned_string(text: String) -> Result<*mut c_char> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|_| Error::new(ErrorCode::Serialization, "text contains a NUL byte"))
}

/// Text kept inside a handle and lent to C until the handle is freed.
pub(crate) fn lent_string(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| {
        Error::new(
            ErrorCode::Serialization,
            format!("{what} contains a NUL byte"),
        )
    })
}

/// Optional JSON text: NULL means `null`; unparsable text is an invalid argument.
pub(crate) unsafe fn json_value(ptr: *const c_char, what: &str) -> Result<serde_json::Value> {
    match optional_text(ptr, what)? {
        None => Ok(serde_json::Value::Null),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| invalid(format!("{what} is not valid JSON: {e}"))),
    }
}

/// A value handed to C as owned JSON text (released with `natskit_string_free`).
pub(crate) fn owned_json(value: &impl serde::Serialize) -> Result<*mut c_char> {
    owned_string(serde_json::to_string(value)?)
}

/// A duration in milliseconds, checked by core like every host's (not negative, not beyond
/// what the server stores).
pub(crate) fn millis(ms: i64, what: &str) -> Result<Duration> {
    natskit::Unit::Milliseconds.duration(ms as f64, what)
}

/// Bytes handed to C as an owned buffer (released with `natskit_bytes_free(ptr, len)`);
/// NULL when empty.
pub(crate) fn owned_bytes(data: &[u8]) -> (*mut u8, usize) {
    if data.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let boxed: Box<[u8]> = data.into();
    let len = boxed.len();
    (Box::into_raw(boxed).cast::<u8>(), len)
}
