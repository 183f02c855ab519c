//! Pointer and argument checks shared by every export: NULL, UTF-8, lengths, out-params,
//! handle ownership. Each returns `INVALID_ARGUMENT` naming the argument at fault.
//! The macros (`call!`, `answer!`, `answer_json!`, `getter!`, `lend_bytes!`) are whole export
//! bodies built on them, so each export is a few lines.

use std::ffi::{c_char, c_void, CStr, CString};
use std::future::Future;
use std::time::Duration;

use natskit::{runtime, Error, ErrorCode, Headers, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::natskit_status;
use crate::panic::guard;

pub(crate) fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}

/// A required handle.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T> {
    ptr.as_ref()
        .ok_or_else(|| invalid(format!("{what} is NULL")))
}

/// A required handle the call changes.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    ptr.as_mut()
        .ok_or_else(|| invalid(format!("{what} is NULL")))
}

/// A required out-param, checked before any work is done so nothing is lost on failure.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    ptr.as_mut()
        .ok_or_else(|| invalid(format!("{what} (out-param) is NULL")))
}

/// Checks the out-param, then writes what `value` makes: written only on success, and
/// checked before any work is done so nothing is lost on failure.
pub(crate) unsafe fn write<T>(
    ptr: *mut T,
    what: &str,
    value: impl FnOnce() -> Result<T>,
) -> Result<()> {
    let slot = out(ptr, what)?;
    *slot = value()?;
    Ok(())
}

/// `answer!(out_param, future)`: checks the out-param, then waits for the future and writes
/// what it answers.
macro_rules! answer {
    ($out:ident, $future:expr) => {
        $crate::ffi::write($out, stringify!($out), || $crate::ffi::block_on($future))
    };
}

/// `answer_json!(out_param, future)`: [`answer!`] as owned JSON text (released with
/// `natskit_string_free`).
macro_rules! answer_json {
    ($out:ident, $future:expr) => {
        $crate::ffi::write($out, stringify!($out), || {
            $crate::ffi::owned_json(&$crate::ffi::block_on($future)?)
        })
    };
}

/// `call!(handle, |h| future)`: the whole body of an export that waits for one future (its
/// other arguments are read inside it).
macro_rules! call {
    ($handle:ident, |$h:ident| $future:expr) => {
        $crate::panic::guard(|| {
            let $h = $crate::ffi::handle($handle, stringify!($handle))?;
            $crate::ffi::block_on($future)
        })
    };
}

/// `getter!(handle, out_param, |h| value)`: the whole body of an accessor export; `value` is
/// a `Result`.
macro_rules! getter {
    ($handle:ident, $out:ident, |$h:ident| $value:expr) => {
        $crate::panic::guard(|| {
            let $h = $crate::ffi::handle($handle, stringify!($handle))?;
            $crate::ffi::write($out, stringify!($out), || $value)
        })
    };
}

/// `lend_bytes!(handle, data_out, len_out, |h| bytes)`: the whole body of a payload accessor.
macro_rules! lend_bytes {
    ($handle:ident, $data_out:ident, $len_out:ident, $get:expr) => {
        $crate::ffi::read_bytes($handle, stringify!($handle), $data_out, $len_out, $get)
    };
}

pub(crate) use {answer, answer_json, call, getter, lend_bytes};

/// The accessor export of a payload: `*data_out` points at the `*len_out` bytes `get` lends
/// (NULL when there are none) until the handle is freed.
pub(crate) unsafe fn read_bytes<H>(
    handle_ptr: *const H,
    handle_what: &str,
    data_out: *mut *const u8,
    len_out: *mut usize,
    get: impl FnOnce(&H) -> &[u8],
) -> natskit_status {
    guard(|| {
        let data = get(handle(handle_ptr, handle_what)?);
        let data_slot = out(data_out, "data_out")?;
        *out(len_out, "len_out")? = data.len();
        *data_slot = if data.is_empty() {
            std::ptr::null()
        } else {
            data.as_ptr()
        };
        Ok(())
    })
}

/// The out-params of a value with a payload (key-value entries, stored messages): the value
/// as owned JSON text and the payload as an owned buffer (`natskit_bytes_free`; NULL when empty).
pub(crate) struct JsonWithBytes<'a> {
    json: &'a mut *mut c_char,
    data: &'a mut *mut c_void,
    len: &'a mut usize,
}

impl JsonWithBytes<'_> {
    /// Checks the out-params before any work is done.
    pub(crate) unsafe fn new(
        json_out: *mut *mut c_char,
        json_what: &str,
        data_out: *mut *mut c_void,
        len_out: *mut usize,
    ) -> Result<Self> {
        Ok(JsonWithBytes {
            json: out(json_out, json_what)?,
            data: out(data_out, "data_out")?,
            len: out(len_out, "len_out")?,
        })
    }

    pub(crate) fn write(self, value: &impl Serialize, payload: &[u8]) -> Result<()> {
        *self.json = owned_json(value)?;
        let (data, len) = owned_bytes(payload);
        *self.data = data.cast();
        *self.len = len;
        Ok(())
    }
}

/// Fills the C array `array` of `max` slots with the handles `take` makes and writes their
/// number; both out-params are checked first.
pub(crate) unsafe fn fill<T>(
    array: *mut *mut T,
    max: usize,
    what: &str,
    count_out: *mut usize,
    take: impl FnOnce() -> Result<Vec<*mut T>>,
) -> Result<()> {
    let count = out(count_out, "count_out")?;
    if max == 0 || array.is_null() {
        return Err(invalid(format!("{what} must be an array of max > 0 slots")));
    }
    slice(array.cast_const(), max, what)?;
    let handles = take()?;
    std::ptr::copy_nonoverlapping(handles.as_ptr(), array, handles.len());
    *count = handles.len();
    Ok(())
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

/// Optional headers as JSON text (`{"Name": "v"}` or `{"Name": ["v1", "v2"]}`); NULL = none.
pub(crate) unsafe fn headers(ptr: *const c_char) -> Result<Option<Headers>> {
    optional_text(ptr, "headers_json")?
        .map(Headers::from_json_str)
        .transpose()
}

/// Optional JSON text read as `T`: NULL is `None`; text that does not fit is an invalid argument.
pub(crate) unsafe fn json_arg<T: DeserializeOwned>(
    ptr: *const c_char,
    what: &str,
) -> Result<Option<T>> {
    optional_text(ptr, what)?
        .map(|text| serde_json::from_str(text).map_err(|e| invalid(format!("{what}: {e}"))))
        .transpose()
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
