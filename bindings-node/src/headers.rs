//! Headers between JavaScript (`{ Name: "v" | ["v1", "v2"] }`) and core's multi-value `Headers`.

use std::collections::HashMap;

use napi::bindgen_prelude::Either;

/// Header values as JavaScript passes them: one string or several.
pub type JsHeaders = HashMap<String, Either<String, Vec<String>>>;

/// Core headers from the JavaScript form.
pub fn from_js(headers: JsHeaders) -> natskit::Headers {
    let mut out = natskit::Headers::new();
    for (name, values) in headers {
        match values {
            Either::A(value) => {
                out.append(name, value);
            }
            Either::B(values) => {
                for value in values {
                    out.append(name.clone(), value);
                }
            }
        }
    }
    out
}

/// The JavaScript form of core headers: every name with all its values, in order.
pub fn to_js(headers: &natskit::Headers) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in headers.iter() {
        out.entry(name.to_string())
            .or_default()
            .push(value.to_string());
    }
    out
}
