//! One error type for every host: a stable [`ErrorCode`] plus a message a person can act on.

use std::fmt;

/// Stable error codes. The numbers are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    /// A NULL pointer, bad UTF-8, a negative length or a value out of range.
    InvalidArgument = 1,
    /// A subject that NATS would reject (empty token, whitespace, wildcard in a publish).
    InvalidSubject = 2,
    /// Configuration that cannot be used; the message names the key and the connection.
    Config = 3,
    /// The server could not be reached; the message names host:port.
    Connect = 4,
    /// The server refused the credentials.
    Authorization = 5,
    /// A deadline passed.
    Timeout = 6,
    /// A request reached a subject nobody listens on.
    NoResponders = 7,
    /// A payload larger than the server's `max_payload`.
    PayloadTooLarge = 8,
    /// The client, subscription or process state no longer allows the call.
    Closed = 9,
    /// The server (or account) has no JetStream.
    JetStreamNotEnabled = 10,
    /// A JetStream API error; `err_code` holds the server's code.
    JetStream = 11,
    /// A stream, consumer, message, key or job that does not exist.
    NotFound = 12,
    /// JSON (or another encoding) that could not be read or written.
    Serialization = 13,
    /// A job queue error.
    Queue = 14,
    /// A panic caught at a host boundary.
    Panic = 15,
    /// An I/O or protocol failure that fits no other code.
    Io = 16,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::InvalidArgument,
        ErrorCode::InvalidSubject,
        ErrorCode::Config,
        ErrorCode::Connect,
        ErrorCode::Authorization,
        ErrorCode::Timeout,
        ErrorCode::NoResponders,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Closed,
        ErrorCode::JetStreamNotEnabled,
        ErrorCode::JetStream,
        ErrorCode::NotFound,
        ErrorCode::Serialization,
        ErrorCode::Queue,
        ErrorCode::Panic,
        ErrorCode::Io,
    ];

    /// The stable name hosts expose (`"NO_RESPONDERS"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::InvalidSubject => "INVALID_SUBJECT",
            ErrorCode::Config => "CONFIG",
            ErrorCode::Connect => "CONNECT",
            ErrorCode::Authorization => "AUTHORIZATION",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::NoResponders => "NO_RESPONDERS",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::Closed => "CLOSED",
            ErrorCode::JetStreamNotEnabled => "JETSTREAM_NOT_ENABLED",
            ErrorCode::JetStream => "JETSTREAM",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Serialization => "SERIALIZATION",
            ErrorCode::Queue => "QUEUE",
            ErrorCode::Panic => "PANIC",
            ErrorCode::Io => "IO",
        }
    }

    /// The stable number (the C `natskit_status` value).
    pub fn number(self) -> u32 {
        self as u32
    }

    /// What the code means, in one line: the documentation of every host's table.
    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => {
                "A NULL pointer, bad UTF-8, a negative length or a value out of range."
            }
            ErrorCode::InvalidSubject => "A subject NATS would reject.",
            ErrorCode::Config => "Configuration that cannot be used; the message names the key.",
            ErrorCode::Connect => "The server could not be reached; the message names host:port.",
            ErrorCode::Authorization => "The server refused the credentials.",
            ErrorCode::Timeout => "A deadline passed.",
            ErrorCode::NoResponders => "A request reached a subject nobody listens on.",
            ErrorCode::PayloadTooLarge => "A payload larger than the server's max_payload.",
            ErrorCode::Closed => {
                "The connection, subscription or process state no longer allows the call."
            }
            ErrorCode::JetStreamNotEnabled => "The server or account has no JetStream.",
            ErrorCode::JetStream => "A JetStream API error; the server's err_code is kept.",
            ErrorCode::NotFound => "A stream, consumer, message, key or job that does not exist.",
            ErrorCode::Serialization => {
                "JSON (or another encoding) that could not be read or written."
            }
            ErrorCode::Queue => "A job queue error.",
            ErrorCode::Panic => "A bug in natskit (a panic) caught at the host boundary.",
            ErrorCode::Io => "An I/O or protocol failure that fits no other code.",
        }
    }
}

/// Panics on purpose, so each host's tests can prove a panic reaches them as `PANIC`.
/// Only the hosts' hidden test hooks call it.
#[doc(hidden)]
pub fn panic_for_tests() {
    panic!("deliberate panic for tests");
}

/// The `PANIC` error for a panic caught at a host boundary (`catch_unwind`'s payload).
pub fn panic_error(payload: &(dyn std::any::Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Error::new(
        ErrorCode::Panic,
        format!("natskit panicked: {what} (please report this)"),
    )
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A natskit error: a stable code, a message, and for JetStream the server's `err_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    server_code: Option<u64>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            server_code: None,
        }
    }

    /// A JetStream API error carrying the server's `err_code`.
    pub fn with_server_code(code: ErrorCode, message: impl Into<String>, err_code: u64) -> Self {
        Error {
            code,
            message: message.into(),
            server_code: Some(err_code),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's JetStream `err_code` (10059 = stream not found, ...), if any.
    pub fn server_code(&self) -> Option<u64> {
        self.server_code
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Config, message)
    }

    pub(crate) fn closed(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Closed, message)
    }

    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Timeout, message)
    }

    pub(crate) fn serialization(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Serialization, message)
    }

    /// Prefixes the message with context (`connection "orders": ...`).
    pub fn context(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::serialization(format!("invalid JSON: {err}"))
    }
}

/// Formats a byte count the way the messages show it (`2.1 MB`, `512 B`).
pub(crate) fn human_bytes(n: usize) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    const KB: f64 = 1024.0;
    let f = n as f64;
    if f >= MB {
        format!("{:.1} MB", f / MB).replace(".0 MB", " MB")
    } else if f >= KB {
        format!("{:.1} KB", f / KB).replace(".0 KB", " KB")
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(code.number() as usize, i + 1);
        }
        assert_eq!(ErrorCode::NoResponders.as_str(), "NO_RESPONDERS");
    }

    #[test]
    fn a_caught_panic_is_a_panic_error() {
        let payload = std::panic::catch_unwind(panic_for_tests).unwrap_err();
        let err = panic_error(payload.as_ref());
        assert_eq!(err.code(), ErrorCode::Panic);
        assert!(err.message().contains("deliberate panic for tests"));
    }

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1024 * 1024), "1 MB");
        assert_eq!(human_bytes(2_200_000), "2.1 MB");
    }
}
