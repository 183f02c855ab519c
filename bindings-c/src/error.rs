//! Status codes and this thread's last error: the one place core errors become C results.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use natskit::{Error, ErrorCode};

use crate::panic;
pub use crate::status::natskit_status;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    static LAST_SERVER_CODE: Cell<u64> = const { Cell::new(0) };
}

/// Records `err` as this thread's last error and returns its status.
pub(crate) fn fail(err: Error) -> natskit_status {
    let text = CString::new(err.message().replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
    LAST_SERVER_CODE.set(err.server_code().unwrap_or(0));
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

/// The server's JetStream `err_code` of this thread's last error (10059: stream not found,
/// 10058: stream name in use with another config), or 0 when that error did not come from the
/// JetStream API.
#[no_mangle]
pub extern "C" fn natskit_last_error_server_code() -> u64 {
    panic::guard_value(0, || LAST_SERVER_CODE.get())
}

/// Panics inside the boundary, so the tests can see a panic become `NATSKIT_STATUS_PANIC`.
/// Not in the header: tests declare it themselves.
#[doc(hidden)]
#[no_mangle]
pub extern "C" fn natskit_panic_for_tests() -> natskit_status {
    panic::guard(|| {
        natskit::error::panic_for_tests();
        Ok(())
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
    fn a_panic_is_the_panic_status() {
        assert_eq!(natskit_panic_for_tests(), natskit_status::Panic);
        assert_eq!(natskit_last_error_server_code(), 0);
        let text = unsafe { CStr::from_ptr(natskit_last_error()) };
        assert!(text.to_str().unwrap().contains("deliberate panic"));
    }

    #[test]
    fn server_code_follows_the_last_error() {
        fail(Error::with_server_code(ErrorCode::NotFound, "gone", 10059));
        assert_eq!(natskit_last_error_server_code(), 10059);
        fail(Error::new(ErrorCode::Timeout, "late"));
        assert_eq!(natskit_last_error_server_code(), 0);
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
