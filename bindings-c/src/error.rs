//! Status codes and this thread's last error: the one place core errors become C results.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use natskit::{Error, ErrorCode};

use crate::panic;

/// The result of every fallible call: 0 is success, every other value is the stable
/// `natskit::ErrorCode` number. The numbers never change.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum natskit_status {
    /// Success.
    Ok = 0,
    /// A NULL pointer, invalid UTF-8, a bad length or a value out of range.
    InvalidArgument = 1,
    /// A subject NATS would reject.
    InvalidSubject = 2,
    /// Configuration that cannot be used.
    Config = 3,
    /// The server could not be reached.
    Connect = 4,
    /// The server refused the credentials.
    Authorization = 5,
    /// A deadline passed (also: no message within the timeout of a pull).
    Timeout = 6,
    /// A request reached a subject nobody listens on.
    NoResponders = 7,
    /// A payload larger than the server's max_payload.
    PayloadTooLarge = 8,
    /// The connection or subscription is closed.
    Closed = 9,
    /// The server has no JetStream.
    JetstreamNotEnabled = 10,
    /// A JetStream API error.
    Jetstream = 11,
    /// Something that does not exist.
    NotFound = 12,
    /// JSON that could not be read or written.
    Serialization = 13,
    /// A job queue error.
    Queue = 14,
    /// A panic was caught at the boundary.
    Panic = 15,
    /// An I/O or protocol failure.
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

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `err` as this thread's last error and returns its status.
pub(crate) fn fail(err: Error) -> natskit_status {
    let text = CString::new(err.message().replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
    err.code().into()
}

/// The text of this thread's last error ("" when none). Owned by the library; valid until
/// the next failing call on this thread.
#[no_mangle]
pub extern "C" fn natskit_last_error() -> *const c_char {
    panic::guard_value(c"PANIC".as_ptr(), || {
        LAST_ERROR.with(|slot| slot.borrow().as_ptr())
    })
}

/// The stable name of a status (`"NO_RESPONDERS"`, `"OK"`); "UNKNOWN" for other numbers.
/// The string is static.
#[no_mangle]
pub extern "C" fn natskit_status_name(status: u32) -> *const c_char {
    panic::guard_value(c"PANIC".as_ptr(), || {
        static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            std::iter::once("OK")
                .chain(ErrorCode::ALL.iter().map(|c| c.as_str()))
                .map(|n| CString::new(n).unwrap_or_default())
                .collect()
        });
        names
            .get(status as usize)
            .map_or(c"UNKNOWN".as_ptr(), |n| n.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn status_numbers_are_the_core_codes() {
        for code in ErrorCode::ALL {
            assert_eq!(natskit_status::from(code) as u32, code.number());
            let name = unsafe { CStr::from_ptr(natskit_status_name(code.number())) };
            assert_eq!(name.to_str().unwrap(), code.as_str());
        }
        let ok = unsafe { CStr::from_ptr(natskit_status_name(0)) };
        assert_eq!(ok.to_str().unwrap(), "OK");
    }

    #[test]
    fn last_error_is_per_thread() {
        fail(Error::new(ErrorCode::Timeout, "late"));
        let here = unsafe { CStr::from_ptr(natskit_last_error()) };
        assert_eq!(here.to_str().unwrap(), "late");
        std::thread::spawn(|| {
            let there = unsafe { CStr::from_ptr(natskit_last_error()) };
            assert_eq!(there.to_str().unwrap(), "");
        })
        .join()
        .unwrap();
    }
}
