//! Message headers: ordered, multi-valued, looked up without regard to case.

use std::str::FromStr;

use async_nats::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Message headers. A name may carry several values; lookups ignore case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers::default()
    }

    /// Adds a value (keeping the values already there).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.entries.push((name.into(), value.into()));
        self
    }

    /// Replaces every value of `name` with `value`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let name = name.into();
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.entries.push((name, value.into()));
        self
    }

    /// Removes every value of `name`, ignoring case.
    pub fn remove(&mut self, name: &str) -> &mut Self {
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// The first value of `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, ignoring case, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every (name, value) pair in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of (name, value) pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// JSON form used across the C ABI: `{"Name": ["v1", "v2"]}`.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (name, value) in &self.entries {
            let slot = map
                .entry(name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(values) = slot {
                values.push(Value::String(value.clone()));
            }
        }
        Value::Object(map)
    }

    /// Reads `{"Name": "v"}` or `{"Name": ["v1", "v2"]}`.
    pub fn from_json(value: &Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(Error::invalid_argument(
                "headers must be an object of name -> value or [values]",
            ));
        };
        let mut headers = Headers::new();
        for (name, v) in map {
            match v {
                Value::String(s) => {
                    headers.append(name.clone(), s.clone());
                }
                Value::Array(items) => {
                    for item in items {
                        let Value::String(s) = item else {
                            return Err(Error::invalid_argument(format!(
                                "header {name:?}: values must be strings"
                            )));
                        };
                        headers.append(name.clone(), s.clone());
                    }
                }
                other => {
                    headers.append(name.clone(), other.to_string());
                }
            }
        }
        Ok(headers)
    }

    /// Reads the JSON form from text.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_argument(format!("headers: invalid JSON: {e}")))?;
        Headers::from_json(&value)
    }

    /// Checks every name and value the way the server reads them: a name is one or more
    /// visible ASCII characters other than `:`, a value holds no CR or LF. Anything else is an
    /// `INVALID_ARGUMENT` (the server would drop the message or close the connection).
    pub fn validate(&self) -> Result<()> {
        self.entries
            .iter()
            .try_for_each(|(name, value)| validate(name, value))
    }

    pub(crate) fn to_header_map(&self) -> Result<HeaderMap> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.entries {
            validate(name, value)?;
            let n = HeaderName::from_str(name)
                .map_err(|e| Error::invalid_argument(format!("header name {name:?}: {e}")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|e| Error::invalid_argument(format!("header {name:?} value: {e}")))?;
            map.append(n, v);
        }
        Ok(map)
    }

    pub(crate) fn from_header_map(map: &HeaderMap) -> Self {
        let mut headers = Headers::new();
        for (name, values) in map.iter() {
            for value in values {
                headers.append(name.to_string(), value.as_str());
            }
        }
        headers
    }
}

/// One header: see [`Headers::validate`].
fn validate(name: &str, value: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_argument("header name: must not be empty"));
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_graphic() || *c == ':') {
        return Err(Error::invalid_argument(format!(
            "header name {name:?}: {c:?} is not allowed (visible ASCII other than ':')"
        )));
    }
    if value.contains(['\r', '\n']) {
        return Err(Error::invalid_argument(format!(
            "header {name:?}: the value must not contain CR or LF"
        )));
    }
    Ok(())
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (n, v) in iter {
            headers.append(n, v);
        }
        headers
    }
}

/// Serde adapter: headers in their JSON form (see [`Headers::to_json`]).
pub(crate) fn serialize<S: serde::Serializer>(
    headers: &Headers,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&headers.to_json(), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_value_and_case_insensitive() {
        let h: Headers = [("X-Trace", "a"), ("x-trace", "b"), ("Other", "c")]
            .into_iter()
            .collect();
        assert_eq!(h.get("X-TRACE"), Some("a"));
        assert_eq!(h.get_all("x-Trace").collect::<Vec<_>>(), ["a", "b"]);
        let json = h.to_json();
        assert_eq!(json["X-Trace"], serde_json::json!(["a"]));
        assert_eq!(Headers::from_json(&json).unwrap().len(), 3);
    }

    #[test]
    fn bad_json_headers_are_rejected() {
        assert!(Headers::from_json_str("[1]").is_err());
        assert!(Headers::from_json_str("{\"a\": [1]}").is_err());
        assert!(Headers::from_json_str("nope").is_err());
    }

    #[test]
    fn names_and_values_the_server_would_misread_are_invalid_arguments() {
        for (name, value) in [
            ("", "v"),
            ("a b", "v"),
            ("a:b", "v"),
            ("é", "v"),
            ("ok", "a\r\nb"),
            ("ok", "a\nb"),
        ] {
            let h: Headers = [(name, value)].into_iter().collect();
            let err = h.validate().unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidArgument, "{name:?}");
            assert!(err.message().starts_with("header"), "{err}");
            assert!(h.to_header_map().is_err());
        }
        let fine: Headers = [("X-Trace", "a b: c")].into_iter().collect();
        assert!(fine.validate().is_ok());
    }
}
