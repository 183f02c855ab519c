//! W3C trace context (`traceparent` / `tracestate` headers): parsed and checked once here for
//! every host. A context a caller gives must be valid (`INVALID_ARGUMENT`); one received is
//! read leniently (a malformed one is no context, never an error).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::headers::Headers;

/// The header that carries version, trace id, parent span id and flags.
pub const TRACEPARENT: &str = "traceparent";
/// The header that carries vendor-specific trace state.
pub const TRACESTATE: &str = "tracestate";

/// A W3C trace context: which trace and span a message or job belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceContext {
    /// 32 lowercase hex digits, not all zero.
    pub trace_id: String,
    /// 16 lowercase hex digits, not all zero: the span that sent the message.
    pub span_id: String,
    /// The trace flags byte (bit 0: sampled).
    pub flags: u8,
    /// True when the sender recorded its span (flag bit 0).
    pub sampled: bool,
    /// Vendor trace state, as received (`None` when absent or empty).
    pub tracestate: Option<String>,
}

impl TraceContext {
    /// Checks a caller's `traceparent` (version `00`, lowercase hex, ids not all zero) and
    /// optional `tracestate`; anything else is `INVALID_ARGUMENT` naming the field.
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Result<Self> {
        let mut ctx = parse_traceparent(traceparent.trim()).ok_or_else(|| {
            Error::invalid_argument(format!(
                "traceparent {traceparent:?} is not a W3C traceparent: expected \
                 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, ids not all zero"
            ))
        })?;
        if let Some(state) = tracestate.map(str::trim).filter(|s| !s.is_empty()) {
            if !valid_tracestate(state) {
                return Err(Error::invalid_argument(format!(
                    "tracestate {state:?} is not a W3C tracestate: expected at most 32 \
                     key=value entries separated by commas, printable ASCII, 512 characters at most"
                )));
            }
            ctx.tracestate = Some(state.to_string());
        }
        Ok(ctx)
    }

    /// A caller's optional pair: `None` when neither is given; a `tracestate` without a
    /// `traceparent` is `INVALID_ARGUMENT`, and both are checked as in [`TraceContext::parse`].
    pub fn given(traceparent: Option<&str>, tracestate: Option<&str>) -> Result<Option<Self>> {
        match (traceparent, tracestate) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(Error::invalid_argument(
                "tracestate needs a traceparent: give both, or neither",
            )),
            (Some(parent), state) => Self::parse(parent, state).map(Some),
        }
    }

    /// The context received in `headers`, if any valid one is there (no error otherwise).
    pub fn from_headers(headers: &Headers) -> Option<Self> {
        Self::received(headers.get(TRACEPARENT)?, headers.get(TRACESTATE))
    }

    /// Reads a received `traceparent`/`tracestate` pair leniently: a malformed traceparent
    /// is no context; a malformed tracestate is dropped.
    pub fn received(traceparent: &str, tracestate: Option<&str>) -> Option<Self> {
        let mut ctx = parse_traceparent(traceparent.trim())?;
        ctx.tracestate = tracestate
            .map(str::trim)
            .filter(|s| !s.is_empty() && valid_tracestate(s))
            .map(str::to_string);
        Some(ctx)
    }

    /// The `traceparent` header value (`00-<trace id>-<span id>-<flags>`).
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-{:02x}", self.trace_id, self.span_id, self.flags)
    }

    /// Sets `traceparent` (and `tracestate` when there is one) in `headers`, replacing any
    /// values there.
    pub fn inject(&self, headers: &mut Headers) {
        headers.insert(TRACEPARENT, self.traceparent());
        match &self.tracestate {
            Some(state) => headers.insert(TRACESTATE, state.as_str()),
            None => headers.remove(TRACESTATE),
        };
    }
}

/// What a host's publish or request sends: its `headers` with a caller's trace context
/// (checked, see [`TraceContext::given`]) added; `headers` unchanged when none is given.
pub fn with_trace(
    headers: Option<Headers>,
    traceparent: Option<&str>,
    tracestate: Option<&str>,
) -> Result<Option<Headers>> {
    match TraceContext::given(traceparent, tracestate)? {
        None => Ok(headers),
        Some(ctx) => {
            let mut headers = headers.unwrap_or_default();
            ctx.inject(&mut headers);
            Ok(Some(headers))
        }
    }
}

/// Records on `span` the trace context `ctx` finds (`trace_id`, `parent_span_id`); calls
/// nothing, so parses nothing, when no subscriber listens to the span.
pub(crate) fn record(span: &tracing::Span, ctx: impl FnOnce() -> Option<TraceContext>) {
    if span.is_disabled() {
        return;
    }
    if let Some(ctx) = ctx() {
        span.record("trace_id", ctx.trace_id.as_str());
        span.record("parent_span_id", ctx.span_id.as_str());
    }
}

/// `00-<32 hex>-<16 hex>-<2 hex>` with ids not all zero, or `None`. A later version may add
/// fields after the flags (`-...`); version `ff` is invalid.
fn parse_traceparent(text: &str) -> Option<TraceContext> {
    let bytes = text.as_bytes();
    if bytes.len() < 55 || bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
        return None;
    }
    let version = &text[0..2];
    if !is_hex(version) || version == "ff" || (version == "00" && bytes.len() != 55) {
        return None;
    }
    if version != "00" && bytes.len() > 55 && bytes[55] != b'-' {
        return None;
    }
    let (trace_id, span_id, flags) = (&text[3..35], &text[36..52], &text[53..55]);
    if !is_hex(trace_id) || !is_hex(span_id) || !is_hex(flags) {
        return None;
    }
    if trace_id.bytes().all(|b| b == b'0') || span_id.bytes().all(|b| b == b'0') {
        return None;
    }
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some(TraceContext {
        trace_id: trace_id.to_string(),
        span_id: span_id.to_string(),
        flags,
        sampled: flags & 1 == 1,
        tracestate: None,
    })
}

/// Lowercase hex digits only (the W3C form).
fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// At most 32 `key=value` members of printable ASCII, 512 characters in all.
fn valid_tracestate(state: &str) -> bool {
    let members: Vec<&str> = state
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    state.len() <= 512
        && members.len() <= 32
        && members.iter().all(|m| {
            m.split_once('=').is_some_and(|(k, v)| {
                !k.is_empty()
                    && !v.is_empty()
                    && k.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/@".contains(&b)
                    })
                    && v.bytes()
                        .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_gives_its_fields_and_formats_back() {
        let ctx =
            TraceContext::parse(GOOD, Some("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")).unwrap();
        assert_eq!(ctx.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(ctx.span_id, "00f067aa0ba902b7");
        assert_eq!((ctx.flags, ctx.sampled), (1, true));
        assert_eq!(
            ctx.tracestate.as_deref(),
            Some("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        );
        assert_eq!(ctx.traceparent(), GOOD);
        let unsampled = TraceContext::parse(&GOOD.replace("-01", "-00"), None).unwrap();
        assert_eq!((unsampled.flags, unsampled.sampled), (0, false));
    }

    #[test]
    fn a_malformed_traceparent_from_a_caller_is_invalid_argument() {
        let zeros_trace = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
        let zeros_span = "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01";
        for bad in [
            "",
            "garbage",
            zeros_trace,
            zeros_span,
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        ] {
            let err = TraceContext::parse(bad, None).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad:?}");
            assert!(err.to_string().contains("traceparent"), "{err}");
            assert!(TraceContext::received(bad, None).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_later_version_may_carry_more_fields() {
        let v1 = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next";
        let ctx = TraceContext::parse(v1, None).unwrap();
        assert_eq!(ctx.traceparent(), GOOD);
    }

    #[test]
    fn a_bad_tracestate_is_refused_from_a_caller_and_dropped_when_received() {
        for bad in ["no-equals", "Upper=1", "a=1,b", &"k=v,".repeat(40)] {
            let err = TraceContext::parse(GOOD, Some(bad)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.to_string().contains("tracestate"), "{err}");
            let ctx = TraceContext::received(GOOD, Some(bad)).unwrap();
            assert_eq!(ctx.tracestate, None);
        }
        assert_eq!(
            TraceContext::parse(GOOD, Some(" ")).unwrap().tracestate,
            None
        );
    }

    #[test]
    fn with_trace_adds_the_headers_and_needs_a_traceparent_for_a_tracestate() {
        let mut given = Headers::new();
        given.insert("x-app", "1").insert("TraceParent", "stale");
        let h = with_trace(Some(given), Some(GOOD), Some("a=1"))
            .unwrap()
            .unwrap();
        assert_eq!(h.get("x-app"), Some("1"));
        assert_eq!(h.get(TRACEPARENT), Some(GOOD));
        assert_eq!(h.get_all(TRACEPARENT).count(), 1);
        assert_eq!(h.get(TRACESTATE), Some("a=1"));
        assert_eq!(TraceContext::from_headers(&h).unwrap().trace_id.len(), 32);
        assert_eq!(with_trace(None, None, None).unwrap(), None);
        let err = with_trace(None, None, Some("a=1")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        let err = with_trace(None, Some("00-bad"), None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn headers_without_a_valid_context_have_none() {
        let mut h = Headers::new();
        assert!(TraceContext::from_headers(&h).is_none());
        h.insert(TRACEPARENT, "00-nope");
        assert!(TraceContext::from_headers(&h).is_none());
    }
}
