//! W3C trace context: the headers that carry a caller's context, for `natskit_publish_msg`,
//! `natskit_request_msg` and `natskit_message_respond` (jobs take `traceparent` in their
//! push options).

use std::ffi::c_char;

use crate::error::natskit_status;
use crate::ffi;
use crate::panic::guard;

/// Writes to `*headers_json_out` the headers `headers_json` (NULL: none) with `traceparent`
/// (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`) and `tracestate` (NULL: none)
/// set, as JSON for the publish and request calls; free it with `natskit_string_free`. A
/// malformed traceparent or tracestate is `NATSKIT_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn natskit_trace_headers(
    headers_json: *const c_char,
    traceparent: *const c_char,
    tracestate: *const c_char,
    headers_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let headers = ffi::headers(headers_json)?;
        let parent = ffi::text(traceparent, "traceparent")?;
        let state = ffi::optional_text(tracestate, "tracestate")?;
        let out = ffi::out(headers_json_out, "headers_json_out")?;
        let headers = natskit::trace::with_trace(headers, Some(parent), state)?;
        *out = ffi::owned_json(&headers.unwrap_or_default().to_json())?;
        Ok(())
    })
}
