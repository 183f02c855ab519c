//! The cross-host contract (`tests/spec/contract.json`) run in Rust: durations are `Duration`s,
//! the server's JSON keeps nanoseconds. A negative duration, or one longer than the server
//! stores, is not a valid duration in Rust's API, so the cases that give one have no Rust form.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

use natskit::jetstream::{KvConfig, PublishOptions as JsPublishOptions};
use natskit::queue::PushOptions;
use natskit::{Client, Headers, PublishOptions, RequestOptions, Result};

/// A spec value for the Rust API: `{"s": .., "ms": ..}` becomes nanoseconds in JSON.
fn server_json(value: &Value) -> Value {
    match value {
        Value::Object(map) if is_duration(value) => {
            json!((map["s"].as_f64().unwrap() * 1e9) as u64)
        }
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), server_json(v)))
            .collect(),
        Value::Array(items) => items.iter().map(server_json).collect(),
        other => other.clone(),
    }
}

fn is_duration(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 2 && m.contains_key("s") && m.contains_key("ms"))
}

/// A spec duration as a `Duration`; `None` when Rust cannot express it (negative, or longer
/// than the server stores).
fn duration(value: &Value) -> Option<Duration> {
    natskit::Unit::Seconds
        .duration(value["s"].as_f64()?, "spec")
        .ok()
}

/// Whether a case's arguments hold a duration Rust cannot express.
fn inexpressible(args: &Value) -> bool {
    match args {
        Value::Object(_) if is_duration(args) => duration(args).is_none(),
        Value::Object(map) => map.values().any(inexpressible),
        Value::Array(items) => items.iter().any(inexpressible),
        _ => false,
    }
}

fn field<'v>(mut value: &'v Value, path: &str) -> &'v Value {
    for part in path.split('.') {
        value = &value[part];
    }
    value
}

/// Runs one case; `None` when the case has no Rust form.
async fn run(nc: &Client, op: &str, a: &Value) -> Option<Result<Value>> {
    if inexpressible(a) {
        return None;
    }
    let js = nc.jetstream();
    let text = |key: &str| a[key].as_str().unwrap().to_string();
    Some(match op {
        "publish" => {
            let headers = a.get("headers").map(|h| Headers::from_json(h).unwrap());
            let opts = PublishOptions {
                headers: headers.as_ref(),
                reply: None,
            };
            nc.publish_with(&text("subject"), "x".into(), &opts)
                .await
                .map(|_| Value::Null)
        }
        "kv_put" => {
            let config = KvConfig {
                bucket: text("bucket"),
                ..Default::default()
            };
            match js.create_kv(&config).await {
                Ok(kv) => kv.put(&text("key"), "x").await.map(Value::from),
                Err(e) => Err(e),
            }
        }
        "request" => {
            let opts = RequestOptions {
                headers: None,
                timeout: duration(&a["timeout"]),
            };
            nc.request_with(&text("subject"), "x".into(), &opts)
                .await
                .map(|_| Value::Null)
        }
        "connect" => natskit::connect(&text("url")).await.map(|_| Value::Null),
        "stream_info" => js.stream_info(&text("stream")).await,
        "create_stream" => js.create_stream(&server_json(&a["config"])).await,
        "create_consumer" => {
            js.create_consumer(&text("stream"), &server_json(&a["config"]))
                .await
        }
        "js_publish" => {
            let ttl = match a.get("ttl") {
                Some(t) => Some(duration(t)?),
                None => None,
            };
            let opts = JsPublishOptions {
                ttl,
                ..Default::default()
            };
            let ack = js.publish(&text("subject"), "x", &opts).await;
            ack.map(|ack| serde_json::to_value(ack).unwrap())
        }
        "get_message" => {
            let msg = js
                .get_message(&text("stream"), a["sequence"].as_u64().unwrap())
                .await;
            msg.map(|m| serde_json::to_value(m).unwrap())
        }
        "queue_later" => {
            let delay = duration(&a["delay"])?;
            let queue = nc.queue(&text("queue")).unwrap();
            let pushed = queue
                .later(delay, "SpecJob", Value::Null, &PushOptions::default())
                .await;
            pushed.map(|_| Value::Null)
        }
        "next_no_wait" => {
            let mut sub = nc.subscribe(&text("subject"), None).await.unwrap();
            sub.try_next()
                .map(|m| json!({ "message": m.map(|m| m.subject().to_string()) }))
        }
        "panic" => {
            let payload = std::panic::catch_unwind(natskit::error::panic_for_tests).unwrap_err();
            Err(natskit::error::panic_error(payload.as_ref()))
        }
        other => panic!("no Rust runner for {other}"),
    })
}

#[tokio::test]
async fn the_contract_holds_in_rust() {
    let spec: Value =
        serde_json::from_str(include_str!("../../tests/spec/contract.json")).expect("spec JSON");
    let server = common::server();
    let nc = common::client(&server).await;
    let mut ran = 0;
    let cases = spec["cases"].as_array().unwrap();
    let rust_forms = cases.iter().filter(|c| !inexpressible(&c["args"])).count();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let Some(outcome) = run(&nc, case["op"].as_str().unwrap(), &case["args"]).await else {
            continue;
        };
        ran += 1;
        if let Some(code) = case.get("error") {
            let err = outcome.expect_err(name);
            assert_eq!(err.code().as_str(), code.as_str().unwrap(), "{name}: {err}");
            if let Some(server_code) = case.get("server_code") {
                assert_eq!(err.server_code(), server_code.as_u64(), "{name}");
            }
            continue;
        }
        let result = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
        for key in case["keys"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            assert!(result.get(key).is_some(), "{name}: no {key:?} in {result}");
        }
        for (path, expected) in case["result"].as_object().into_iter().flatten() {
            assert_eq!(
                field(&result, path),
                &server_json(expected),
                "{name}: {path}"
            );
        }
    }
    assert_eq!(ran, rust_forms, "every case with a Rust form ran");
}
