//! Health checks (`natskit::health`) for C and PHP.

use std::ffi::c_char;

use natskit::health::{self, HealthOptions};

use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::guard;

/// Runs the health checks. `options_json` (NULL = the connection only): `{"jetstream": bool,
/// "streams": [..], "consumers": ["STREAM:CONSUMER", ..], "queues": [..], "rtt": {"warn",
/// "crit"}, "lag": {"warn", "crit"}, "age": {"warn", "crit"}}`, durations in the client's
/// unit. `*report_json_out`: `{"status": "OK"|"WARNING"|"CRITICAL"|"UNKNOWN", "checks":
/// [{"name", "status", "message", "rtt"?, "lag"?, "age"?}]}` (free with
/// `natskit_string_free`); `*status_out` is the Nagios code (0–3). What the checks find is in
/// the report, not the returned status.
#[no_mangle]
pub unsafe extern "C" fn natskit_health(
    client: *const natskit_client,
    options_json: *const c_char,
    report_json_out: *mut *mut c_char,
    status_out: *mut u8,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let options = ffi::json_arg::<serde_json::Value>(options_json, "options_json")?;
        let report_out = ffi::out(report_json_out, "report_json_out")?;
        let status_out = ffi::out(status_out, "status_out")?;
        let unit = c.unit();
        let options = HealthOptions::from_host(options.unwrap_or_default(), unit)?;
        let report = ffi::block_on(health::check(&c.client, &options))?;
        *report_out = ffi::owned_json(&report.to_host(unit))?;
        *status_out = report.status.exit_code();
        Ok(())
    })
}
