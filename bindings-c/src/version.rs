//! Library version and strings the library hands out.

use std::ffi::{c_char, CString};

use crate::panic;

/// The library version (`"0.1.0"`); static, never freed.
#[no_mangle]
pub extern "C" fn natskit_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

/// Frees a string the library returned as `char *` (stats, events). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_string_free(text: *mut c_char) {
    panic::guard_value((), || {
        if !text.is_null() {
            drop(CString::from_raw(text));
        }
    })
}
