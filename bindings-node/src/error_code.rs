//! Node's `ErrorCode` type (the `code` of every natskit `Error`). Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

/// natskit's stable error codes, the same names in every host.
#[napi(string_enum)]
pub enum ErrorCode {
    /// A NULL pointer, bad UTF-8, a negative length or a value out of range.
    #[napi(value = "INVALID_ARGUMENT")]
    InvalidArgument,
    /// A subject NATS would reject.
    #[napi(value = "INVALID_SUBJECT")]
    InvalidSubject,
    /// Configuration that cannot be used; the message names the key.
    #[napi(value = "CONFIG")]
    Config,
    /// The server could not be reached; the message names host:port.
    #[napi(value = "CONNECT")]
    Connect,
    /// The server refused the credentials.
    #[napi(value = "AUTHORIZATION")]
    Authorization,
    /// A deadline passed.
    #[napi(value = "TIMEOUT")]
    Timeout,
    /// A request reached a subject nobody listens on.
    #[napi(value = "NO_RESPONDERS")]
    NoResponders,
    /// A payload larger than the server's max_payload.
    #[napi(value = "PAYLOAD_TOO_LARGE")]
    PayloadTooLarge,
    /// The connection, subscription or process state no longer allows the call.
    #[napi(value = "CLOSED")]
    Closed,
    /// The server or account has no JetStream.
    #[napi(value = "JETSTREAM_NOT_ENABLED")]
    JetStreamNotEnabled,
    /// A JetStream API error; the server's err_code is kept.
    #[napi(value = "JETSTREAM")]
    JetStream,
    /// A stream, consumer, message, key or job that does not exist.
    #[napi(value = "NOT_FOUND")]
    NotFound,
    /// JSON (or another encoding) that could not be read or written.
    #[napi(value = "SERIALIZATION")]
    Serialization,
    /// A job queue error.
    #[napi(value = "QUEUE")]
    Queue,
    /// A bug in natskit (a panic) caught at the host boundary.
    #[napi(value = "PANIC")]
    Panic,
    /// An I/O or protocol failure that fits no other code.
    #[napi(value = "IO")]
    Io,
}

impl From<natskit::ErrorCode> for ErrorCode {
    fn from(code: natskit::ErrorCode) -> Self {
        match code {
            natskit::ErrorCode::InvalidArgument => ErrorCode::InvalidArgument,
            natskit::ErrorCode::InvalidSubject => ErrorCode::InvalidSubject,
            natskit::ErrorCode::Config => ErrorCode::Config,
            natskit::ErrorCode::Connect => ErrorCode::Connect,
            natskit::ErrorCode::Authorization => ErrorCode::Authorization,
            natskit::ErrorCode::Timeout => ErrorCode::Timeout,
            natskit::ErrorCode::NoResponders => ErrorCode::NoResponders,
            natskit::ErrorCode::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            natskit::ErrorCode::Closed => ErrorCode::Closed,
            natskit::ErrorCode::JetStreamNotEnabled => ErrorCode::JetStreamNotEnabled,
            natskit::ErrorCode::JetStream => ErrorCode::JetStream,
            natskit::ErrorCode::NotFound => ErrorCode::NotFound,
            natskit::ErrorCode::Serialization => ErrorCode::Serialization,
            natskit::ErrorCode::Queue => ErrorCode::Queue,
            natskit::ErrorCode::Panic => ErrorCode::Panic,
            natskit::ErrorCode::Io => ErrorCode::Io,
        }
    }
}
