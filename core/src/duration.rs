//! Seconds as `Duration`s: the one check every host's durations go through (finite, not
//! negative, not beyond what a `Duration` holds), so a huge or NaN value is an error, never a
//! panic.

use std::time::Duration;

use crate::error::{Error, ErrorCode, Result};

/// `value` seconds, or an `INVALID_ARGUMENT` naming `what` when it is NaN, infinite, negative
/// or too large.
pub fn seconds(value: f64, what: &str) -> Result<Duration> {
    if value.is_finite() && value >= 0.0 {
        if let Ok(d) = Duration::try_from_secs_f64(value) {
            return Ok(d);
        }
    }
    Err(Error::new(
        ErrorCode::InvalidArgument,
        format!(
            "{what}: {value} is not a number of seconds from 0 to {}",
            u64::MAX
        ),
    ))
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

    #[test]
    fn huge_negative_and_nan_are_errors_or_saturate() {
        assert_eq!(seconds(1.5, "t").unwrap(), Duration::from_millis(1500));
        for bad in [1e300, -1.0, f64::NAN, f64::INFINITY] {
            let err = seconds(bad, "delay").unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.message().starts_with("delay: "), "{err}");
        }
        assert_eq!(saturating_seconds(1e300), Duration::MAX);
        assert_eq!(saturating_seconds(f64::NAN), Duration::ZERO);
        assert_eq!(saturating_seconds(-3.0), Duration::ZERO);
    }
}
