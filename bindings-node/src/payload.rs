//! JavaScript payloads as bytes: a Buffer or Uint8Array is copied as is, a string is sent as
//! UTF-8, `null`/`undefined` as an empty payload, and any other value as JSON.

use bytes::Bytes;
use napi::bindgen_prelude::{FromNapiValue, JsValue, Uint8ArraySlice, Unknown, ValueType};
use napi::Env;

use crate::error::invalid_argument;

/// Converts a payload argument.
pub fn to_bytes(env: &Env, value: Unknown) -> natskit::Result<Bytes> {
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
        _ => {
            let json: serde_json::Value = env
                .from_js_value(value)
                .map_err(|e| invalid_argument(format!("payload: cannot encode as JSON: {e}")))?;
            Ok(Bytes::from(serde_json::to_vec(&whole_numbers(json))?))
        }
    }
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
