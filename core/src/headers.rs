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

    pub(crate) fn to_header_map(&self) -> Result<HeaderMap> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.entries {
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
}
