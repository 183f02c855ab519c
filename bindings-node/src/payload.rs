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
            Ok(Bytes::from(serde_json::to_vec(&json)?))
        }
    }
}
