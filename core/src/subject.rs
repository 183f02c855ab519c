//! Subject validation, done before anything is sent so errors name the problem.

use crate::error::{Error, ErrorCode, Result};

/// Checks a subject for publishing: non-empty tokens, no whitespace, no wildcards.
pub fn validate_publish(subject: &str) -> Result<()> {
    validate(subject, false)
}

/// Checks a subject for subscribing: like publishing, but `*` may stand as a token
/// and `>` as the last token.
pub fn validate_subscribe(subject: &str) -> Result<()> {
    validate(subject, true)
}

/// Checks a queue group name: non-empty, no whitespace.
pub fn validate_queue_group(queue: &str) -> Result<()> {
    if queue.is_empty() || queue.chars().any(char::is_whitespace) {
        return Err(Error::new(
            ErrorCode::InvalidSubject,
            format!(
                "invalid queue group {queue:?}: it must be non-empty and contain no whitespace"
            ),
        ));
    }
    Ok(())
}

/// One pass, no allocation: this runs on every publish.
fn validate(subject: &str, wildcards: bool) -> Result<()> {
    let invalid = |why: &str| {
        Err(Error::new(
            ErrorCode::InvalidSubject,
            format!("invalid subject {subject:?}: {why}"),
        ))
    };
    if subject.is_empty() {
        return invalid("it is empty");
    }
    if !subject.is_ascii() && subject.chars().any(char::is_whitespace) {
        return invalid("it contains whitespace");
    }
    let bytes = subject.as_bytes();
    let mut token_start = 0;
    for i in 0..=bytes.len() {
        let end = i == bytes.len();
        let b = if end { b'.' } else { bytes[i] };
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c' | 0 => {
                return invalid("it contains whitespace")
            }
            b'.' => {
                let token = &bytes[token_start..i];
                match token {
                    [] => {
                        return invalid("it has an empty token (leading, trailing or double '.')")
                    }
                    [b'*'] | [b'>'] if !wildcards => {
                        return invalid("wildcards ('*', '>') are not allowed when publishing")
                    }
                    [b'>'] if !end => return invalid("'>' may only be the last token"),
                    _ => {}
                }
                token_start = i + 1;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_subjects() {
        assert!(validate_publish("orders.created").is_ok());
        assert!(validate_publish("a").is_ok());
        for bad in [
            "", "a..b", ".a", "a.", "a b", "a\tb", "orders.*", "orders.>",
        ] {
            let err = validate_publish(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidSubject, "{bad:?}");
        }
    }

    #[test]
    fn subscribe_subjects() {
        for good in ["orders.*", "orders.>", ">", "*.b.*", "a*b.c"] {
            assert!(validate_subscribe(good).is_ok(), "{good:?}");
        }
        for bad in ["", "a.>.b", "a..b", "a b"] {
            assert!(validate_subscribe(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn queue_groups() {
        assert!(validate_queue_group("workers").is_ok());
        assert!(validate_queue_group("").is_err());
        assert!(validate_queue_group("a b").is_err());
    }
}
