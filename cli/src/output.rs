//! Human tables or JSON, and errors on stderr.

use serde::Serialize;
use serde_json::{json, Value};

/// Where results go: JSON with `--json`, tables and lines otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// Output in JSON (`--json`) or for people.
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    /// True with `--json`.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `value` as JSON with `--json`, else runs `human`.
    pub fn show<T: Serialize>(&self, value: &T, human: impl FnOnce()) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_else(|e| e.to_string())
            );
        } else {
            human();
        }
    }

    /// Prints one JSON object on one line (streams of messages).
    pub fn line<T: Serialize>(&self, value: &T) {
        println!(
            "{}",
            serde_json::to_string(value).unwrap_or_else(|e| e.to_string())
        );
    }

    /// Prints a failure on stderr: `error: CODE (n): message`, or JSON with `--json`.
    pub fn error(&self, e: &natskit::Error) {
        if self.json {
            let body = json!({"error": {
                "code": e.code().as_str(),
                "number": e.code().number(),
                "message": e.message(),
                "err_code": e.server_code(),
            }});
            eprintln!("{body}");
        } else {
            eprintln!(
                "error: {} ({}): {}",
                e.code().as_str(),
                e.code().number(),
                e.message()
            );
        }
    }
}

/// Prints rows under headers in aligned columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(headers.to_vec());
    line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints `label: value` pairs aligned.
pub fn pairs(items: &[(&str, String)]) {
    let width = items.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in items {
        println!("{:>width$}: {v}", k);
    }
}

/// A JSON value as table text (`-` for missing, strings without quotes).
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A limit as text: negative means unlimited.
pub fn limit(v: &Value) -> String {
    match v.as_i64() {
        Some(n) if n < 0 => "unlimited".to_string(),
        _ => cell(v),
    }
}

/// Adds the fields of `extra` (a serializable struct or tagged enum) to the object `into`.
pub fn merge<T: serde::Serialize>(into: &mut Value, extra: &T) {
    if let (Some(obj), Ok(Value::Object(fields))) =
        (into.as_object_mut(), serde_json::to_value(extra))
    {
        obj.extend(fields);
    }
}

/// `1 job`, `2 jobs`: a count with its noun (English plural in `s`).
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Sets `data` in `value` to the payload as text, or as base64 with `"base64": true` when it
/// is not UTF-8 (so binary payloads survive JSON).
pub fn set_payload(value: &mut Value, payload: &[u8]) {
    use base64::prelude::{Engine as _, BASE64_STANDARD};
    match std::str::from_utf8(payload) {
        Ok(text) => value["data"] = json!(text),
        Err(_) => {
            value["data"] = json!(BASE64_STANDARD.encode(payload));
            value["base64"] = json!(true);
        }
    }
}
