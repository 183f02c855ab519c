//! Durations on the command line (`500ms`, `30s`, `15m`, `24h`, `7d`, `1h30m`) and in output.

use std::time::Duration;

use natskit::{Error, ErrorCode};

/// Parses `1h30m`, `30s`, `500ms`, `2d` or a plain number of seconds.
pub fn parse(text: &str) -> natskit::Result<Duration> {
    let bad = || {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("invalid duration {text:?} (examples: 500ms, 30s, 15m, 24h, 7d)"),
        )
    };
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|_| bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(bad()),
        };
        total += Duration::try_from_secs_f64(number * unit).map_err(|_| bad())?;
        rest = &rest[unit_len..];
    }
    if text.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// Formats nanoseconds as `1h30m`, `45s`, `250ms`; 0 reads `unlimited`.
pub fn format_nanos(nanos: u64) -> String {
    if nanos == 0 {
        return "unlimited".to_string();
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", nanos / 1_000_000);
    }
    let mut secs = nanos / 1_000_000_000;
    let mut out = String::new();
    for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("2d").unwrap(), Duration::from_secs(172800));
        assert_eq!(parse("90").unwrap(), Duration::from_secs(90));
        assert!(parse("5 parsecs").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn formats_nanoseconds() {
        assert_eq!(format_nanos(0), "unlimited");
        assert_eq!(format_nanos(250_000_000), "250ms");
        assert_eq!(format_nanos(5400 * 1_000_000_000), "1h30m");
    }
}
