//! What a service and an endpoint are made from, and the checks the protocol asks for.

use serde::Deserialize;

use super::{invalid, wire::Metadata};
use crate::error::Result;
use crate::subject;

/// A service's settings (hosts pass the same fields as an object / JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// The name: letters, digits, `-` and `_`.
    pub name: String,
    /// A semantic version (`1.0.0`, `2.1.0-rc.1+build.5`).
    pub version: String,
    /// What the service does.
    #[serde(default)]
    pub description: Option<String>,
    /// Free-form text keys and values, shown by discovery.
    #[serde(default)]
    pub metadata: Metadata,
    /// The queue group of its endpoints (`q` when absent).
    #[serde(default)]
    pub queue_group: Option<String>,
}

impl ServiceConfig {
    /// A service with a name and a version, nothing else.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ServiceConfig {
            name: name.into(),
            version: version.into(),
            ..Default::default()
        }
    }

    /// `INVALID_ARGUMENT` (or `INVALID_SUBJECT` for the queue group) naming the bad field.
    pub fn validate(&self) -> Result<()> {
        check_name("service name", &self.name)?;
        if !is_semver(&self.version) {
            return Err(invalid(
                "service version",
                format!(
                    "{:?} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)",
                    self.version
                ),
            ));
        }
        if let Some(q) = &self.queue_group {
            subject::validate_queue_group(q)?;
        }
        Ok(())
    }
}

/// An endpoint's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// The subject it listens on (after its group's prefix); wildcards allowed.
    pub subject: String,
    /// The name in INFO and STATS (the subject with `.` as `-` when absent).
    #[serde(default)]
    pub name: Option<String>,
    /// Its own queue group instead of the group's or service's.
    #[serde(default)]
    pub queue_group: Option<String>,
    /// Free-form text keys and values, shown by discovery.
    #[serde(default)]
    pub metadata: Metadata,
}

impl EndpointConfig {
    /// An endpoint on `subject`, named after it.
    pub fn new(subject: impl Into<String>) -> Self {
        EndpointConfig {
            subject: subject.into(),
            ..Default::default()
        }
    }

    /// Names the endpoint.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// `INVALID_ARGUMENT`/`INVALID_SUBJECT` naming the bad field.
    pub fn validate(&self) -> Result<()> {
        subject::validate_subscribe(&self.subject).map_err(|e| e.context("endpoint"))?;
        if let Some(name) = &self.name {
            check_name("endpoint name", name)?;
        }
        if let Some(q) = &self.queue_group {
            subject::validate_queue_group(q)?;
        }
        Ok(())
    }
}

pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(invalid(
            what,
            format!("{name:?} must be non-empty and use only letters, digits, '-' and '_'"),
        ))
    }
}

/// Semantic Versioning 2.0.0: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, numbers without
/// leading zeros, identifiers of `[0-9A-Za-z-]`.
pub(crate) fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let number = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| number(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|id| ident(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || number(id)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_accepts_the_spec_forms_and_refuses_the_rest() {
        for ok in [
            "0.0.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha.1",
            "1.0.0-rc-1+build.5",
            "1.0.0+20130313144700",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "v1.2.3",
            "1.2.3-a..b",
            "1.2.x",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn names_allow_letters_digits_dash_underscore_only() {
        assert!(check_name("n", "orders_v2-eu").is_ok());
        for bad in ["", "a.b", "a b", "a*"] {
            let err = check_name("service name", bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidArgument, "{bad}");
        }
    }
}
