//! Timestamps as every host sees them: RFC 3339 text in UTC
//! (`2026-12-03T12:00:00.123456789Z`), written and read here only.

use serde::Serializer;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};

/// `t` as RFC 3339 text in UTC (a year RFC 3339 cannot write falls back to Unix seconds).
pub fn rfc3339(t: OffsetDateTime) -> String {
    try_rfc3339(t, "time").unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// `t` as RFC 3339 text in UTC; `INVALID_ARGUMENT` naming `what` for a year RFC 3339
/// cannot write (a time sent to the server).
pub fn try_rfc3339(t: OffsetDateTime, what: &str) -> Result<String> {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| Error::invalid_argument(format!("{what}: {e}")))
}

/// Reads RFC 3339 text; `INVALID_ARGUMENT` naming `what` when it is not.
pub fn parse_rfc3339(text: &str, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        Error::invalid_argument(format!(
            "{what}: {text:?} is not an RFC 3339 time (2030-01-01T00:00:00Z): {e}"
        ))
    })
}

/// Serde adapter: `#[serde(serialize_with = "crate::timestamp::serialize")]`.
pub(crate) fn serialize<S: Serializer>(
    t: &OffsetDateTime,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_utc_and_reads_back() {
        let t = parse_rfc3339("2030-01-01T02:00:00.5+02:00", "until").unwrap();
        assert_eq!(rfc3339(t), "2030-01-01T00:00:00.5Z");
        let e = parse_rfc3339("tomorrow", "until").unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidArgument);
        assert!(e.message().contains("until"), "{}", e.message());
    }
}
