//! Library version and strings the library hands out.

use std::ffi::{c_char, c_void, CString};

use crate::panic;

/// The loaded library's version (`"MAJOR.MINOR.PATCH"`, the header's `NATSKIT_VERSION` when they
/// match); static, never freed.
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

/// Frees a buffer the library returned as `uint8_t *` with its length (stored message and
/// key-value payloads). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_bytes_free(data: *mut c_void, len: usize) {
    panic::guard_value((), || {
        if !data.is_null() {
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                data.cast::<u8>(),
                len,
            )));
        }
    })
}
