//! The C status enum. Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

use natskit::ErrorCode;

/// The result of every fallible call: 0 is success, every other value is the stable
/// `natskit::ErrorCode` number. The numbers never change.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum natskit_status {
    /// Success.
    Ok = 0,
    /// A NULL pointer, bad UTF-8, a negative length or a value out of range.
    InvalidArgument = 1,
    /// A subject NATS would reject.
    InvalidSubject = 2,
    /// Configuration that cannot be used; the message names the key.
    Config = 3,
    /// The server could not be reached; the message names host:port.
    Connect = 4,
    /// The server refused the credentials.
    Authorization = 5,
    /// A deadline passed.
    Timeout = 6,
    /// A request reached a subject nobody listens on.
    NoResponders = 7,
    /// A payload larger than the server's max_payload.
    PayloadTooLarge = 8,
    /// The connection, subscription or process state no longer allows the call.
    Closed = 9,
    /// The server or account has no JetStream.
    JetstreamNotEnabled = 10,
    /// A JetStream API error; the server's err_code is kept.
    Jetstream = 11,
    /// A stream, consumer, message, key or job that does not exist.
    NotFound = 12,
    /// JSON (or another encoding) that could not be read or written.
    Serialization = 13,
    /// A job queue error.
    Queue = 14,
    /// A bug in natskit (a panic) caught at the host boundary.
    Panic = 15,
    /// An I/O or protocol failure that fits no other code.
    Io = 16,
}

impl From<ErrorCode> for natskit_status {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::InvalidArgument => natskit_status::InvalidArgument,
            ErrorCode::InvalidSubject => natskit_status::InvalidSubject,
            ErrorCode::Config => natskit_status::Config,
            ErrorCode::Connect => natskit_status::Connect,
            ErrorCode::Authorization => natskit_status::Authorization,
            ErrorCode::Timeout => natskit_status::Timeout,
            ErrorCode::NoResponders => natskit_status::NoResponders,
            ErrorCode::PayloadTooLarge => natskit_status::PayloadTooLarge,
            ErrorCode::Closed => natskit_status::Closed,
            ErrorCode::JetStreamNotEnabled => natskit_status::JetstreamNotEnabled,
            ErrorCode::JetStream => natskit_status::Jetstream,
            ErrorCode::NotFound => natskit_status::NotFound,
            ErrorCode::Serialization => natskit_status::Serialization,
            ErrorCode::Queue => natskit_status::Queue,
            ErrorCode::Panic => natskit_status::Panic,
            ErrorCode::Io => natskit_status::Io,
        }
    }
}
