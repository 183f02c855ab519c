//! The cross-host contract (`tests/spec/contract.json`) run in Rust: durations are `Duration`s,
//! the server's JSON keeps nanoseconds. A negative duration cannot be written in Rust, so the
//! cases that give one have no Rust form.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

use natskit::jetstream::PublishOptions;
use natskit::queue::PushOptions;
use natskit::{Client, RequestOptions, Result};

/// A spec value for the Rust API: `{"s": .., "ms": ..}` becomes nanoseconds in JSON.
fn server_json(value: &Value) -> Value {
    match value {
        Value::Object(map) if is_duration(value) => json!((map["s"].as_f64().unwrap() * 1e9) as u64),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), server_json(v))).collect(),
        Value::Array(items) => items.iter().map(server_json).collect(),
        other => other.clone(),
    }
}

fn is_duration(value: &Value) -> bool {
    value.as_object().is_some_and(|m| m.len() == 2 && m.contains_key("s") && m.contains_key("ms"))
}

/// A spec duration as a `Duration`; `None` when Rust cannot express it (negative).
fn duration(value: &Value) -> Option<Duration> {
    Duration::try_from_secs_f64(value["s"].as_f64()?).ok()
}

fn field<'v>(mut value: &'v Value, path: &str) -> &'v Value {
    for part in path.split('.') {
        value = &value[part];
    }
    value
}

/// Runs one case; `None` when the case has no Rust form.
async fn run(nc: &Client, op: &str, a: &Value) -> Option<Result<Value>> {
    let js = nc.jetstream();
    let text = |key: &str| a[key].as_str().unwrap().to_string();
    Some(match op {
        "publish" => nc.publish(&text("subject"), "x").await.map(|_| Value::Null),
        "request" => {
            let opts = RequestOptions { headers: None, timeout: duration(&a["timeout"]) };
            nc.request_with(&text("subject"), "x".into(), &opts).await.map(|_| Value::Null)
        }
        "connect" => natskit::connect(&text("url")).await.map(|_| Value::Null),
        "stream_info" => js.stream_info(&text("stream")).await,
        "create_stream" => js.create_stream(&server_json(&a["config"])).await,
        "create_consumer" => js.create_consumer(&text("stream"), &server_json(&a["config"])).await,
        "js_publish" => {
            let ttl = match a.get("ttl") {
                Some(t) => Some(duration(t)?),
                None => None,
            };
            let opts = PublishOptions { ttl, ..Default::default() };
            let ack = js.publish(&text("subject"), "x", &opts).await;
            ack.map(|ack| serde_json::to_value(ack).unwrap())
        }
        "get_message" => {
            let msg = js.get_message(&text("stream"), a["sequence"].as_u64().unwrap()).await;
            msg.map(|m| serde_json::to_value(m).unwrap())
        }
        "queue_later" => {
            let delay = duration(&a["delay"])?;
            let queue = nc.queue(&text("queue")).unwrap();
            let pushed = queue.later(delay, "SpecJob", Value::Null, &PushOptions::default()).await;
            pushed.map(|_| Value::Null)
        }
        "next_no_wait" => {
            let mut sub = nc.subscribe(&text("subject"), None).await.unwrap();
            sub.try_next().map(|m| json!({ "message": m.map(|m| m.subject.to_string()) }))
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
    for case in spec["cases"].as_array().unwrap() {
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
            assert_eq!(field(&result, path), &server_json(expected), "{name}: {path}");
        }
    }
    assert!(ran >= spec["cases"].as_array().unwrap().len() - 1, "ran {ran} cases");
}
