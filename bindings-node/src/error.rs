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

/// A synchronous export's body, with a panic turned into its `PANIC` value: every synchronous
/// export returns through this, so a panic throws (or rejects with) `PANIC` rather than napi's
/// `GenericFailure`. Costs nothing unless it panics.
pub fn guard<T: FromPanic>(body: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => T::from_panic(natskit::error::panic_error(payload.as_ref())),
    }
}

/// [`guard`] for a body returning a core result, whose error throws (or rejects) with its `code`.
pub fn outcome<T>(body: impl FnOnce() -> natskit::Result<T>) -> Outcome<T> {
    guard(|| Outcome(body()))
}

impl<T> FromPanic for napi::Result<T> {
    /// Synchronous exports run on their JavaScript thread, whose env `remember_env` kept.
    fn from_panic(err: natskit::Error) -> Self {
        match ENV.get() {
            Some(env) => Err(to_napi(&Env::from_raw(env), &err)),
            None => Err(napi::Error::new(Status::GenericFailure, err.message())),
        }
    }
}

thread_local! {
    /// This JavaScript thread's env (each Node thread loading the addon gets its own).
    static ENV: std::cell::Cell<Option<sys::napi_env>> = const { std::cell::Cell::new(None) };
}

/// Remembers this thread's env when the addon is loaded on it, to build `PANIC` errors of
/// synchronous exports.
#[napi(module_exports)]
pub fn remember_env(_exports: napi::bindgen_prelude::Object, env: Env) {
    ENV.set(Some(env.raw()));
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
    let table = natskit::ErrorCode::ALL.iter();
    table
        .map(|code| serde_json::json!({ "name": code.as_str(), "number": code.number() }))
        .collect()
}

/// A deliberate panic, for the tests only: by default inside the runtime boundary of a core
/// future (rejects with `PANIC`); `kind` `"sync"` panics in this synchronous export itself
/// (throws `PANIC`).
#[napi(catch_unwind, js_name = "_panicForTests", skip_typescript)]
pub fn panic_for_tests(env: &Env, kind: Option<String>) -> napi::Result<Now<'_, Outcome<()>>> {
    crate::error::guard(|| {
        if kind.as_deref() == Some("sync") {
            natskit::error::panic_for_tests();
        }
        runtime::now_or_later(env, async {
            natskit::error::panic_for_tests();
            Ok(())
        })
    })
}

/// A deliberate panic in the body of an `async fn` export (rejects with `PANIC`), for the
/// tests only.
#[napi(catch_unwind, js_name = "_panicForTestsAsync", skip_typescript)]
pub async fn panic_for_tests_async() -> Outcome<()> {
    crate::runtime::unwinding(async move {
        natskit::error::panic_for_tests();
        Ok(())
    })
    .await
}
