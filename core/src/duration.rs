//! Seconds as `Duration`s: the check every host's seconds go through (finite, not negative,
//! not beyond what the server stores; one implementation with the other units in
//! [`crate::units`]), so a huge or NaN value is an error, never a panic.

use std::time::Duration;

use crate::error::Result;

/// `value` seconds, or an `INVALID_ARGUMENT` naming `what` when it is NaN, infinite, negative
/// or longer than the server can store (see [`crate::units::Unit::duration`]).
pub fn seconds(value: f64, what: &str) -> Result<Duration> {
    crate::units::Unit::Seconds.duration(value, what)
}

/// `value` hours (how old a failed job must be to be flushed), checked as [`seconds`] are.
pub fn hours(value: f64, what: &str) -> Result<Duration> {
    seconds(value * 3600.0, what)
}

/// `value` seconds for a value already stored (another host's job envelope): negative and NaN
/// are zero, too large is the longest `Duration`.
pub fn saturating_seconds(value: f64) -> Duration {
    if value.is_nan() || value <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn huge_negative_and_nan_are_errors_or_saturate() {
        assert_eq!(seconds(1.5, "t").unwrap(), Duration::from_millis(1500));
        for bad in [1e300, -1.0, f64::NAN, f64::INFINITY] {
            let err = seconds(bad, "delay").unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.message().starts_with("delay: "), "{err}");
        }
        assert_eq!(hours(0.5, "hours").unwrap(), Duration::from_secs(1800));
        assert!(hours(-1.0, "hours").is_err());
        assert_eq!(saturating_seconds(1e300), Duration::MAX);
        assert_eq!(saturating_seconds(f64::NAN), Duration::ZERO);
        assert_eq!(saturating_seconds(-3.0), Duration::ZERO);
    }
}
