//! Bad input checked once in core for every host (issue 14): config values, headers, KV keys,
//! counts and payload sizes are errors with a stable code naming the field, never a panic, and
//! a refused call leaves the client usable.

mod common;

use natskit::config::Config;
use natskit::jetstream::KvConfig;
use natskit::{ConnectionConfig, ErrorCode, Headers, PublishOptions};

const SEED: &str = "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU";

fn config_error(json: &str) -> natskit::Error {
    let err = ConnectionConfig::from_json(json).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config, "{json}: {err}");
    err
}

#[test]
fn out_of_range_settings_are_config_errors_naming_the_key() {
    for (json, key) in [
        (r#"{"connect_timeout": 1e300}"#, "connect_timeout"),
        (r#"{"reconnect": {"delay": -1}}"#, "reconnect.delay"),
        (
            r#"{"reconnect": {"max_attempts": -7}}"#,
            "reconnect.max_attempts",
        ),
        (r#"{"queue": {"replicas": 0}}"#, "queue.replicas"),
        (r#"{"queue": {"replicas": 6}}"#, "queue.replicas"),
        (r#"{"queue": {"retry_after": 1e300}}"#, "queue.retry_after"),
    ] {
        let err = config_error(json);
        assert!(err.message().contains(key), "{json}: {err}");
    }
    assert!(ConnectionConfig::from_json(r#"{"reconnect": {"max_attempts": -1}}"#).is_ok());
}

#[test]
fn a_malformed_nkey_seed_is_config_and_never_shown() {
    let bad = &SEED[..30];
    let err = config_error(&format!(r#"{{"nkey_seed": "{bad}"}}"#));
    assert!(err.message().contains("nkey_seed"), "{err}");
    assert!(!err.message().contains(bad), "{err}");
    assert!(ConnectionConfig::from_json(&format!(r#"{{"nkey_seed": "{SEED}"}}"#)).is_ok());
}

#[test]
fn empty_files_and_nan_in_toml_are_config_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, says) in [
        ("empty.toml", "", "configures nothing"),
        ("empty.json", "{}", "configures nothing"),
        ("nan.toml", "[reconnect]\ndelay = nan\n", "reconnect.delay"),
        ("inf.toml", "ping_interval = inf\n", "ping_interval"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = Config::from_file(&path).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config, "{name}: {err}");
        assert!(
            err.message().contains(name) && err.message().contains(says),
            "{err}"
        );
    }
}

#[tokio::test]
async fn refused_calls_leave_the_client_usable() {
    let server = common::server();
    let nc = common::client(&server).await;
    let js = nc.jetstream();

    let huge = nc.check_payload_len(1 << 40).unwrap_err();
    assert_eq!(huge.code(), ErrorCode::PayloadTooLarge);
    assert_eq!(
        js.publisher(0).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );

    let headers: Headers = [("", "v")].into_iter().collect();
    let opts = PublishOptions {
        headers: Some(&headers),
        reply: None,
    };
    let err = nc.check_publish("s", 1, &opts).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);

    let kv = js
        .create_kv(&KvConfig {
            bucket: "BAD_INPUT".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    for key in ["a b", "a..b", ""] {
        let err = kv.put(key, "v").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{key:?}: {err}");
    }
    assert!(kv.put("a.b", "v").await.unwrap() > 0);

    let mut sub = nc.subscribe("alive", None).await.unwrap();
    nc.publish("alive", "ok").await.unwrap();
    assert!(sub.next_timeout(common::SECOND).await.unwrap().is_some());
}
