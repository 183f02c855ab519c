//! Metrics (`natskit::metrics`) for C and PHP.

use std::ffi::c_char;

use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::guard;

/// The connection's metrics as Prometheus text (version 0.0.4): messages, bytes, reconnects,
/// drops, state and round trip; JetStream publish acks and errors; per queue and job name
/// the job counters and the run-time and wait-time histograms; per queue opened on this
/// connection its ready, reserved, delayed and failed jobs and oldest age (read now).
/// `*text_out` is freed with `natskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_metrics(
    client: *const natskit_client,
    text_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let out = ffi::out(text_out, "text_out")?;
        let text = ffi::block_on(c.client.metrics())?;
        *out = ffi::owned_string(text)?;
        Ok(())
    })
}
