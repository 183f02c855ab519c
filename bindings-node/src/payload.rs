//! JavaScript payloads as bytes: a Buffer or Uint8Array is copied as is, a string is sent as
//! UTF-8, `null`/`undefined` as an empty payload, and any other value as JSON.

use bytes::Bytes;
use napi::bindgen_prelude::{
    FromNapiValue, Function, JsObjectValue, JsValue, Object, Uint8ArraySlice, Unknown, ValueType,
};
use napi::{sys, Env};

use crate::error::invalid_argument;

/// Strings up to this many UTF-8 bytes are read without a heap allocation.
const STACK_STR: usize = 256;

/// Calls `f` with a string argument (`what` names it in the error for other values); short
/// strings (subjects) are read into a stack buffer, without allocating.
pub fn with_str<R>(
    env: &Env,
    value: Unknown,
    what: &str,
    f: impl FnOnce(&str) -> natskit::Result<R>,
) -> natskit::Result<R> {
    let mut buf = [0u8; STACK_STR];
    let mut len = 0usize;
    // SAFETY: `value` is live for this call; napi writes at most `STACK_STR` bytes (NUL included).
    let status = unsafe {
        sys::napi_get_value_string_utf8(
            env.raw(),
            value.raw(),
            buf.as_mut_ptr().cast(),
            STACK_STR,
            &mut len,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(invalid_argument(format!("{what}: expected a string")));
    }
    if len < STACK_STR - 1 {
        return match std::str::from_utf8(&buf[..len]) {
            Ok(text) => f(text),
            Err(_) => Err(invalid_argument(format!("{what}: not valid UTF-8"))),
        };
    }
    // SAFETY: as above; a string value, read whole.
    let text = unsafe { String::from_napi_value(env.raw(), value.raw()) }
        .map_err(|e| invalid_argument(format!("{what}: {e}")))?;
    f(&text)
}

/// The bytes of a Buffer/Uint8Array, copied; `None` for any other value.
fn uint8_array(env: &Env, value: &Unknown) -> Option<Bytes> {
    let mut kind = sys::TypedarrayType::int8_array;
    let mut length = 0usize;
    let mut data = std::ptr::null_mut();
    let mut buffer = std::ptr::null_mut();
    let mut offset = 0usize;
    // SAFETY: `value` is live for this call; a non-typed-array only makes napi return an
    // error status (no exception is thrown).
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env.raw(),
            value.raw(),
            &mut kind,
            &mut length,
            &mut data,
            &mut buffer,
            &mut offset,
        )
    };
    if status != sys::Status::napi_ok || kind != sys::TypedarrayType::uint8_array {
        return None;
    }
    if length == 0 || data.is_null() {
        return Some(Bytes::new());
    }
    // SAFETY: napi points `data` at the array's first byte (offset applied), `length` bytes long.
    Some(Bytes::copy_from_slice(unsafe {
        std::slice::from_raw_parts(data.cast::<u8>(), length)
    }))
}

/// Converts a payload argument.
pub fn to_bytes(env: &Env, value: Unknown) -> natskit::Result<Bytes> {
    if let Some(bytes) = uint8_array(env, &value) {
        return Ok(bytes);
    }
    let raw = value.raw();
    let kind = value
        .get_type()
        .map_err(|e| invalid_argument(format!("payload: {e}")))?;
    match kind {
        ValueType::Undefined | ValueType::Null => Ok(Bytes::new()),
        ValueType::String => {
            // SAFETY: `raw` is a live string value of this call.
            let text = unsafe { String::from_napi_value(env.raw(), raw) }
                .map_err(|e| invalid_argument(format!("payload: {e}")))?;
            Ok(Bytes::from(text))
        }
        ValueType::Object if value.is_typedarray().unwrap_or(false) => {
            // SAFETY: `raw` is a live typed array of this call; the bytes are copied out.
            let slice =
                unsafe { Uint8ArraySlice::from_napi_value(env.raw(), raw) }.map_err(|_| {
                    invalid_argument(
                        "payload: typed arrays other than Uint8Array/Buffer are not supported",
                    )
                })?;
            Ok(Bytes::copy_from_slice(&slice))
        }
        _ => json(env, value),
    }
}

/// Any other value as JSON text, encoded by JavaScript's own `JSON.stringify`: a circular
/// object, a BigInt or one nested too deep for it is a `SERIALIZATION` error (converting it
/// value by value in Rust overflowed the stack).
fn json(env: &Env, value: Unknown) -> natskit::Result<Bytes> {
    let encode = || -> napi::Result<Unknown> {
        let json: Object = env.get_global()?.get_named_property("JSON")?;
        let stringify: Function<Unknown, Unknown> = json.get_named_property("stringify")?;
        stringify.call(value)
    };
    let text = encode().map_err(|e| {
        natskit::Error::new(
            natskit::ErrorCode::Serialization,
            format!("payload: cannot encode as JSON: {}", e.reason),
        )
    })?;
    if text.get_type().ok() != Some(ValueType::String) {
        return Err(invalid_argument("payload: this value has no JSON form"));
    }
    // SAFETY: `text` is the live string JSON.stringify returned.
    let text = unsafe { String::from_napi_value(env.raw(), text.raw()) }
        .map_err(|e| invalid_argument(format!("payload: {e}")))?;
    Ok(Bytes::from(text))
}

/// JavaScript has one number type, so napi hands over every number beyond 32 bits as a
/// float (`5e9` would be sent as `5000000000.0`). Whole numbers become JSON integers again,
/// as the server (durations in ns) and other hosts expect.
pub fn whole_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// A core type as the plain object its serde form gives, so every host sees core's field
/// names (`sequence`, `last_sequence`, `stream_seq`, ...).
pub fn plain<T: serde::Serialize>(value: T) -> natskit::Result<serde_json::Value> {
    Ok(serde_json::to_value(value)?)
}

/// A core type whose JSON has durations (job events, queue numbers), in Node's milliseconds.
pub fn in_ms<T: natskit::units::HostJson>(value: T) -> natskit::Result<serde_json::Value> {
    value.to_host(natskit::Unit::Milliseconds)
}
