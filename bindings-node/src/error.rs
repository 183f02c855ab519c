//! The one place where natskit errors become JavaScript `Error`s with a stable `code`
//! (and `serverCode` for JetStream API errors).

use napi::bindgen_prelude::{JsObjectValue, JsValue, ToNapiValue};
use napi::{sys, Env, Status};

pub use crate::error_code::ErrorCode;
use crate::runtime::{self, FromPanic, Now};

/// A core result on its way to JavaScript: `Ok` converts as usual, `Err` is thrown (or
/// rejects the Promise) as an `Error` with `code`.
pub struct Outcome<T>(pub natskit::Result<T>);

impl<T> From<natskit::Result<T>> for Outcome<T> {
    fn from(result: natskit::Result<T>) -> Self {
        Outcome(result)
    }
}

impl<T: ToNapiValue> ToNapiValue for Outcome<T> {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        match val.0 {
            Ok(value) => T::to_napi_value(env, value),
            Err(err) => Err(to_napi(&Env::from_raw(env), &err)),
        }
    }
}

impl<T> FromPanic for Outcome<T> {
    fn from_panic(err: natskit::Error) -> Self {
        Outcome(Err(err))
    }
}

/// Builds the JavaScript `Error` for a core error; napi throws or rejects with that object.
pub fn to_napi(env: &Env, err: &natskit::Error) -> napi::Error {
    match js_error(env, err) {
        Ok(error) => error,
        Err(fallback) => fallback,
    }
}

fn js_error(env: &Env, err: &natskit::Error) -> napi::Result<napi::Error> {
    let reason = napi::Error::new(Status::GenericFailure, err.message());
    let mut object = env.create_error(reason)?;
    object.set_named_property("code", ErrorCode::from(err.code()))?;
    if let Some(server_code) = err.server_code() {
        object.set_named_property("serverCode", server_code as f64)?;
    }
    Ok(napi::Error::from(object.to_unknown()))
}

/// An `INVALID_ARGUMENT` error for a value JavaScript passed in.
pub fn invalid_argument(message: impl Into<String>) -> natskit::Error {
    natskit::Error::new(natskit::ErrorCode::InvalidArgument, message)
}

/// The core's error table, `{ name, number }` in numeric order (index.js and the tests use it).
#[napi(catch_unwind, js_name = "_errorCodes", skip_typescript)]
pub fn error_codes() -> serde_json::Value {
    natskit::ErrorCode::ALL
        .iter()
        .map(|code| serde_json::json!({ "name": code.as_str(), "number": code.number() }))
        .collect()
}

/// Rejects with `PANIC`: a deliberate panic inside the runtime boundary, for the tests only.
#[napi(catch_unwind, js_name = "_panicForTests", skip_typescript)]
pub fn panic_for_tests(env: &Env) -> napi::Result<Now<'_, Outcome<()>>> {
    runtime::now_or_later(env, async {
        natskit::error::panic_for_tests();
        Outcome(Ok(()))
    })
}
