//! The one place where natskit errors become JavaScript `Error`s with a stable `code`
//! (and `serverCode` for JetStream API errors).

use napi::bindgen_prelude::{JsObjectValue, JsValue, ToNapiValue};
use napi::{sys, Env, Status};

/// natskit's stable error codes, the same names in every host.
#[napi(string_enum)]
pub enum ErrorCode {
    #[napi(value = "INVALID_ARGUMENT")]
    InvalidArgument,
    #[napi(value = "INVALID_SUBJECT")]
    InvalidSubject,
    #[napi(value = "CONFIG")]
    Config,
    #[napi(value = "CONNECT")]
    Connect,
    #[napi(value = "AUTHORIZATION")]
    Authorization,
    #[napi(value = "TIMEOUT")]
    Timeout,
    #[napi(value = "NO_RESPONDERS")]
    NoResponders,
    #[napi(value = "PAYLOAD_TOO_LARGE")]
    PayloadTooLarge,
    #[napi(value = "CLOSED")]
    Closed,
    #[napi(value = "JETSTREAM_NOT_ENABLED")]
    JetStreamNotEnabled,
    #[napi(value = "JETSTREAM")]
    JetStream,
    #[napi(value = "NOT_FOUND")]
    NotFound,
    #[napi(value = "SERIALIZATION")]
    Serialization,
    #[napi(value = "QUEUE")]
    Queue,
    #[napi(value = "PANIC")]
    Panic,
    #[napi(value = "IO")]
    Io,
}

impl From<natskit::ErrorCode> for ErrorCode {
    fn from(code: natskit::ErrorCode) -> Self {
        use natskit::ErrorCode as C;
        match code {
            C::InvalidArgument => ErrorCode::InvalidArgument,
            C::InvalidSubject => ErrorCode::InvalidSubject,
            C::Config => ErrorCode::Config,
            C::Connect => ErrorCode::Connect,
            C::Authorization => ErrorCode::Authorization,
            C::Timeout => ErrorCode::Timeout,
            C::NoResponders => ErrorCode::NoResponders,
            C::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            C::Closed => ErrorCode::Closed,
            C::JetStreamNotEnabled => ErrorCode::JetStreamNotEnabled,
            C::JetStream => ErrorCode::JetStream,
            C::NotFound => ErrorCode::NotFound,
            C::Serialization => ErrorCode::Serialization,
            C::Queue => ErrorCode::Queue,
            C::Panic => ErrorCode::Panic,
            C::Io => ErrorCode::Io,
        }
    }
}

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
