//! Turns JetStream API errors into natskit errors that keep the server's `err_code`.

use serde_json::Value;

use crate::error::{Error, ErrorCode};

/// `err_code`s that mean "the thing you named does not exist".
const NOT_FOUND: [u64; 4] = [
    10059, // stream not found
    10014, // consumer not found
    10037, // no message found
    10043, // sequence not found
];

/// `err_code`s that mean "JetStream is off" (server or account).
const NOT_ENABLED: [u64; 2] = [10076, 10039];

/// The natskit code for a server `err_code`.
pub(crate) fn code_for(err_code: u64) -> ErrorCode {
    if NOT_FOUND.contains(&err_code) {
        ErrorCode::NotFound
    } else if NOT_ENABLED.contains(&err_code) {
        ErrorCode::JetStreamNotEnabled
    } else {
        ErrorCode::JetStream
    }
}

/// Maps the `error` object of an API response (`{"code", "err_code", "description"}`).
pub(crate) fn from_api(err: &Value) -> Error {
    let err_code = err.get("err_code").and_then(Value::as_u64).unwrap_or(0);
    let status = err.get("code").and_then(Value::as_u64).unwrap_or(0);
    let description = err
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("unknown JetStream error");
    Error::with_server_code(
        code_for(err_code),
        format!("{description} (err_code {err_code}, status {status})"),
        err_code,
    )
}

/// Maps an async-nats error, finding a server API error anywhere in its source chain.
pub(crate) fn from_nats(err: &(dyn std::error::Error + 'static), what: &str) -> Error {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(api) = e.downcast_ref::<async_nats::jetstream::Error>() {
            let value = serde_json::to_value(api).unwrap_or(Value::Null);
            return from_api(&value).context(what);
        }
        cause = e.source();
    }
    let text = err.to_string();
    if let Some(err_code) = err_code_in(&text) {
        return Error::with_server_code(code_for(err_code), format!("{what}: {text}"), err_code);
    }
    let code = if text.contains("timed out") {
        ErrorCode::Timeout
    } else if text.contains("max payload") {
        ErrorCode::PayloadTooLarge
    } else {
        ErrorCode::Io
    };
    Error::new(code, format!("{what}: {text}"))
}

/// The `err_code` async-nats prints for an API error it keeps in an error kind
/// (`... (code 404, error code 10059)`), when it is not in the source chain.
fn err_code_in(text: &str) -> Option<u64> {
    let (_, rest) = text.rsplit_once("error code ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The error for a server (or domain) that does not answer the JetStream API.
pub(crate) fn not_enabled(domain: Option<&str>) -> Error {
    let place = match domain {
        Some(d) => format!("in domain {d:?}"),
        None => "on this server".to_string(),
    };
    Error::new(
        ErrorCode::JetStreamNotEnabled,
        format!(
            "JetStream is not enabled {place}: nothing answers $JS.API (start nats-server with -js, or check jetstream.domain)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_errors_keep_err_code() {
        let e =
            from_api(&json!({"code": 404, "err_code": 10059, "description": "stream not found"}));
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert_eq!(e.server_code(), Some(10059));
        assert!(e.message().starts_with("stream not found"));
        let e = from_api(
            &json!({"code": 400, "err_code": 10058, "description": "stream name already in use"}),
        );
        assert_eq!(e.code(), ErrorCode::JetStream);
        assert_eq!(code_for(10039), ErrorCode::JetStreamNotEnabled);
    }

    #[test]
    fn err_code_is_read_from_wrapped_messages() {
        let text = "JetStream error: stream not found (code 404, error code 10059)";
        assert_eq!(err_code_in(text), Some(10059));
        assert_eq!(err_code_in("timed out"), None);
    }
}
