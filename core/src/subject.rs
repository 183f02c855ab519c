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

/// How each byte matters to validation.
const PLAIN: u8 = 0;
const DOT: u8 = 1;
const SPACE: u8 = 2;
const WILD: u8 = 3;

const CLASS: [u8; 256] = {
    let mut t = [PLAIN; 256];
    t[b'.' as usize] = DOT;
    t[b'*' as usize] = WILD;
    t[b'>' as usize] = WILD;
    let spaces = [b' ', b'\t', b'\r', b'\n', 0x0b, 0x0c, 0];
    let mut i = 0;
    while i < spaces.len() {
        t[spaces[i] as usize] = SPACE;
        i += 1;
    }
    t
};

/// One pass over the bytes with a class table, no allocation: this runs on every publish.
fn validate(subject: &str, wildcards: bool) -> Result<()> {
    let invalid = |why: &str| {
        Err(Error::new(
            ErrorCode::InvalidSubject,
            format!("invalid subject {subject:?}: {why}"),
        ))
    };
    let bytes = subject.as_bytes();
    if bytes.is_empty() {
        return invalid("it is empty");
    }
    let mut token_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match CLASS[b as usize] {
            PLAIN => {}
            DOT => {
                if i == token_start {
                    return invalid("it has an empty token (leading, trailing or double '.')");
                }
                token_start = i + 1;
            }
            SPACE => return invalid("it contains whitespace"),
            _ => {
                let alone = i == token_start && bytes.get(i + 1).is_none_or(|n| *n == b'.');
                if alone && !wildcards {
                    return invalid("wildcards ('*', '>') are not allowed when publishing");
                }
                if alone && b == b'>' && i + 1 != bytes.len() {
                    return invalid("'>' may only be the last token");
                }
            }
        }
    }
    if token_start == bytes.len() {
        return invalid("it has an empty token (leading, trailing or double '.')");
    }
    if !subject.is_ascii() && subject.chars().any(char::is_whitespace) {
        return invalid("it contains whitespace");
    }
    Ok(())
}

thread_local! {
    /// The last valid subject this thread sent: hot loops publish to one subject again and again.
    static RECENT: std::cell::RefCell<Option<async_nats::Subject>> = const { std::cell::RefCell::new(None) };
}

/// The async-nats subject for a publish: validated, and reused when this thread sent the
/// same subject last (then neither validated again nor copied).
pub(crate) fn checked_publish_subject(subject: &str) -> Result<async_nats::Subject> {
    RECENT.with(|recent| {
        if let Some(last) = recent.borrow().as_ref().filter(|s| s.as_str() == subject) {
            return Ok(last.clone());
        }
        validate_publish(subject)?;
        let fresh = async_nats::Subject::from(subject.to_string());
        *recent.borrow_mut() = Some(fresh.clone());
        Ok(fresh)
    })
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
    fn checked_subjects_are_cached_only_when_valid() {
        assert_eq!(checked_publish_subject("a.b").unwrap().as_str(), "a.b");
        assert_eq!(checked_publish_subject("a.b").unwrap().as_str(), "a.b");
        assert!(checked_publish_subject("a b").is_err());
        assert!(
            checked_publish_subject("a b").is_err(),
            "an invalid subject is never cached"
        );
        assert!(checked_publish_subject("a.*").is_err());
        assert_eq!(checked_publish_subject("c").unwrap().as_str(), "c");
    }

    #[test]
    fn queue_groups() {
        assert!(validate_queue_group("workers").is_ok());
        assert!(validate_queue_group("").is_err());
        assert!(validate_queue_group("a b").is_err());
    }
}
