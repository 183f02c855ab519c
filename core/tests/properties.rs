//! Property-based tests (issue 14): subjects, headers, configs, durations and job envelopes
//! built from arbitrary input are an error with a stable code, never a panic, and valid ones
//! round-trip. 256 cases per property by default; `PROPTEST_CASES=100000` runs more.

use std::time::Duration;

use natskit::config::Config;
use natskit::queue::{Backoff, Envelope, PushOptions};
use natskit::units::{self, Object, Unit};
use natskit::{subject, ErrorCode, Headers};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The configured case count: 256 unless `PROPTEST_CASES` says otherwise.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

/// A subject token the server accepts anywhere.
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_\\-$]{1,12}"
}

/// Any f64, including NaN, the infinities, subnormals and huge values.
fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(1e300),
        Just(-0.0),
        Just(i64::MAX as f64),
        -1e12..1e12f64,
    ]
}

/// Any JSON value, a few levels deep, with numbers and strings chosen to hurt.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any_f64().prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object key: often one the parsers know, sometimes anything.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "servers",
            "url",
            "host",
            "port",
            "user",
            "password",
            "token",
            "creds",
            "nkey_seed",
            "tls",
            "name",
            "connect_timeout",
            "request_timeout",
            "ping_interval",
            "reconnect",
            "delay",
            "max_attempts",
            "subscription_capacity",
            "jetstream",
            "queue",
            "replicas",
            "connections",
            "default",
            "timeout",
            "backoff",
            "retryUntil",
            "max_age",
            "ack_wait",
            "config",
            "sleep",
            "uuid",
            "job",
            "data",
            "pushedAt",
            "maxTries",
            "attempts",
            "exceptions",
            "displayName",
            "uniqueKey",
        ])
        .prop_map(str::to_string),
        ".{0,8}",
    ]
}

/// JSON text: serialized values, their truncations and plain noise.
fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any_json().prop_map(|v| v.to_string()),
        (any_json(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string();
            let end = cut.index(text.len() + 1);
            String::from_utf8_lossy(&text.as_bytes()[..end]).into_owned()
        }),
        ".{0,64}",
        Just("NaN".to_string()),
        Just(format!("{}{}", "[".repeat(5000), "]".repeat(5000))),
        Just(format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200))),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn subject_validation_never_panics(s in ".{0,40}") {
        for result in [
            subject::validate_publish(&s),
            subject::validate_subscribe(&s),
            subject::validate_queue_group(&s),
        ] {
            if let Err(e) = result {
                prop_assert_eq!(e.code(), ErrorCode::InvalidSubject);
            }
        }
        if subject::validate_publish(&s).is_ok() {
            prop_assert!(subject::validate_subscribe(&s).is_ok());
        }
    }

    #[test]
    fn plain_token_subjects_are_valid(tokens in prop::collection::vec(token(), 1..8)) {
        let s = tokens.join(".");
        prop_assert!(subject::validate_publish(&s).is_ok(), "{s}");
        prop_assert!(subject::validate_subscribe(&s).is_ok(), "{s}");
    }

    #[test]
    fn wildcards_subscribe_but_never_publish(
        tokens in prop::collection::vec(prop_oneof![token(), Just("*".to_string())], 1..6),
        tail in any::<bool>(),
    ) {
        let mut s = tokens.join(".");
        if tail {
            s.push_str(".>");
        }
        prop_assert!(subject::validate_subscribe(&s).is_ok(), "{s}");
        let wild = s.split('.').any(|t| t == "*" || t == ">");
        prop_assert_eq!(subject::validate_publish(&s).is_ok(), !wild, "{}", s);
    }

    #[test]
    fn whitespace_or_empty_tokens_are_invalid(
        tokens in prop::collection::vec(token(), 1..5),
        at in any::<prop::sample::Index>(),
        bad in prop::sample::select(vec![" ", "\t", "\r", "\n", ".."]),
    ) {
        let s = tokens.join(".");
        let cut = at.index(s.len() + 1);
        let s = format!("{}{bad}{}", &s[..cut], &s[cut..]);
        let err = subject::validate_publish(&s).unwrap_err();
        prop_assert_eq!(err.code(), ErrorCode::InvalidSubject);
        prop_assert!(subject::validate_subscribe(&s).is_err());
    }

    #[test]
    fn header_validation_never_panics(
        entries in prop::collection::vec((".{0,12}", ".{0,24}"), 0..6),
    ) {
        let mut headers = Headers::new();
        for (name, value) in &entries {
            headers.append(name.clone(), value.clone());
        }
        let expected_ok = entries.iter().all(|(n, v)| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b':')
                && !v.contains(['\r', '\n'])
        });
        match headers.validate() {
            Ok(()) => prop_assert!(expected_ok, "{:?}", entries),
            Err(e) => {
                prop_assert!(!expected_ok, "{:?}: {}", entries, e);
                prop_assert_eq!(e.code(), ErrorCode::InvalidArgument);
            }
        }
    }

    #[test]
    fn valid_headers_round_trip_through_json(
        entries in prop::collection::vec(("[!-9;-~]{1,12}", "[^\r\n]{0,24}"), 0..6),
    ) {
        let mut headers = Headers::new();
        for (name, value) in &entries {
            headers.append(name.clone(), value.clone());
        }
        prop_assert!(headers.validate().is_ok());
        let back = Headers::from_json_str(&headers.to_json().to_string()).unwrap();
        let pairs = |h: &Headers| {
            let mut v: Vec<(String, String)> =
                h.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
            v.sort();
            v
        };
        prop_assert_eq!(pairs(&back), pairs(&headers));
    }

    #[test]
    fn headers_from_any_json_never_panic(text in json_text()) {
        if let Err(e) = Headers::from_json_str(&text) {
            prop_assert_eq!(e.code(), ErrorCode::InvalidArgument);
        }
    }

    #[test]
    fn config_from_any_json_never_panics(text in json_text(), value in any_json()) {
        for result in [Config::from_json(&text), Config::from_value(value.clone())] {
            if let Err(e) = result {
                prop_assert!(
                    matches!(e.code(), ErrorCode::Config | ErrorCode::InvalidArgument | ErrorCode::Serialization),
                    "{:?}: {}", e.code(), e
                );
            }
        }
        for unit in [Unit::Seconds, Unit::Milliseconds, Unit::Nanoseconds] {
            let _ = Config::from_host(value.clone(), unit);
        }
    }

    #[test]
    fn config_from_any_environment_never_panics(
        vars in prop::collection::vec((
            prop::sample::select(vec![
                "NATS_URL", "NATS_HOST", "NATS_PORT", "NATS_USER", "NATS_PASSWORD",
                "NATS_TOKEN", "NATS_CREDS", "NATS_NKEY_SEED", "NATS_TLS_CA", "NATS_TLS_CERT",
                "NATS_TLS_KEY", "NATS_TLS_FIRST", "NATS_CONNECTION",
            ]),
            ".{0,24}",
        ), 0..6),
    ) {
        let vars = vars.into_iter().map(|(k, v)| (k.to_string(), v));
        if let Err(e) = Config::from_env_vars(vars) {
            prop_assert!(matches!(e.code(), ErrorCode::Config | ErrorCode::InvalidArgument), "{}", e);
        }
    }

    #[test]
    fn config_from_any_toml_file_never_panics(
        lines in prop::collection::vec((key(), prop_oneof![
            Just("nan".to_string()), Just("inf".to_string()), Just("-1".to_string()),
            Just("1e300".to_string()), Just("\"x\"".to_string()), Just("[1, \"a\"]".to_string()),
            Just("{ delay = -inf }".to_string()), "[0-9.e+-]{1,10}", ".{0,10}",
        ]), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("natskit.toml");
        let text: String = lines.iter().map(|(k, v)| format!("{k:?} = {v}\n")).collect();
        std::fs::write(&path, text).unwrap();
        if let Err(e) = Config::from_file(&path) {
            prop_assert!(matches!(e.code(), ErrorCode::Config | ErrorCode::InvalidArgument | ErrorCode::Serialization), "{}", e);
        }
    }

    #[test]
    fn a_valid_config_round_trips(
        hosts in prop::collection::vec(("[a-z][a-z0-9-]{0,10}", 1u16..), 1..4),
        name in prop::option::of("[A-Za-z0-9 _-]{1,16}"),
        request_timeout in 0.001..86_400.0f64,
        connect_timeout in 0.001..600.0f64,
        capacity in 1usize..1_000_000,
    ) {
        let servers: Vec<String> =
            hosts.iter().map(|(h, p)| format!("nats://{h}:{p}")).collect();
        let json = json!({
            "servers": servers,
            "name": name,
            "request_timeout": request_timeout,
            "connect_timeout": connect_timeout,
            "subscription_capacity": capacity,
        });
        let config = Config::from_json(&json.to_string()).unwrap();
        let conn = config.connection(None).unwrap();
        prop_assert_eq!(&conn.servers, &servers);
        let got = conn.request_timeout().unwrap().as_secs_f64();
        prop_assert!((got - request_timeout).abs() <= 1e-9, "{} -> {}", request_timeout, got);
        let again = Config::from_value(serde_json::to_value(&config).unwrap()).unwrap();
        prop_assert_eq!(again, config);
    }

    #[test]
    fn durations_never_panic_and_round_trip(x in any_f64()) {
        for unit in [Unit::Seconds, Unit::Milliseconds, Unit::Nanoseconds] {
            match unit.duration(x, "d") {
                Ok(d) => {
                    prop_assert!(x.is_finite() && x >= 0.0);
                    let back = unit.float(d);
                    let tolerance = (x.abs() * 1e-12).max(1.0 / (unit.float(Duration::from_nanos(1)).recip()));
                    prop_assert!((back - x).abs() <= tolerance, "{:?} {} -> {}", unit, x, back);
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), ErrorCode::InvalidArgument);
                    prop_assert!(e.message().starts_with("d: "), "{}", e);
                }
            }
            let _ = unit.number(natskit::duration::saturating_seconds(x));
            let _ = unit.from_seconds(x);
        }
        let _ = natskit::duration::hours(x, "h");
        let _ = units::count(x, "n", 0);
        if let Ok(n) = units::count(x, "n", 1) {
            prop_assert_eq!(n as f64, x);
        }
    }

    #[test]
    fn host_json_never_panics(value in any_json(), x in any_f64()) {
        let objects = [
            Object::StreamConfig, Object::StreamInfo, Object::ConsumerConfig,
            Object::ConsumerInfo, Object::KvConfig, Object::PushOptions,
            Object::WorkerOptions, Object::JobEvent, Object::QueueSize, Object::Config,
        ];
        for object in objects {
            for unit in [Unit::Seconds, Unit::Milliseconds, Unit::Nanoseconds] {
                if let Err(e) = object.from_host(value.clone(), unit) {
                    prop_assert_eq!(e.code(), ErrorCode::InvalidArgument);
                }
                let _ = object.to_host(value.clone(), unit);
                let field = json!({"ack_wait": x, "max_age": x, "delay": x, "request_timeout": x,
                                   "config": {"max_age": [x]}, "backoff": [x, "x", null]});
                let _ = object.from_host(field.clone(), unit);
                let _ = object.to_host(field, unit);
            }
        }
    }

    #[test]
    fn host_durations_round_trip(ms in 0u64..(1 << 40), frac in 0.0..1.0f64) {
        let x = ms as f64 + (frac * 1e6).round() / 1e6;
        let core = Object::ConsumerConfig
            .from_host(json!({"ack_wait": x}), Unit::Milliseconds)
            .unwrap();
        let back = Object::ConsumerConfig.to_host(core, Unit::Milliseconds);
        let got = back["ack_wait"].as_f64().unwrap();
        prop_assert!((got - x).abs() <= 1e-6 + x * 1e-15, "{} -> {}", x, got);
    }

    #[test]
    fn envelopes_from_any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), text in json_text()) {
        for input in [bytes.as_slice(), text.as_bytes()] {
            match Envelope::from_slice(input) {
                Ok(env) => {
                    let _ = env.name();
                    let _ = env.to_vec();
                    if let Some(backoff) = &env.backoff {
                        let _ = backoff.delay(env.attempts);
                    }
                }
                Err(e) => prop_assert_eq!(e.code(), ErrorCode::Serialization),
            }
        }
    }

    #[test]
    fn envelope_shaped_json_never_panics(value in any_json(), job in any_json(), x in any_f64()) {
        let shaped = json!({"uuid": "u", "queue": "q", "job": job, "data": value,
                            "pushedAt": x, "backoff": [x, -x], "timeout": x, "retryUntil": x});
        if let Ok(env) = Envelope::from_slice(shaped.to_string().as_bytes()) {
            if let Some(backoff) = &env.backoff {
                for attempt in [0, 1, 2, u32::MAX] {
                    let _ = backoff.delay(attempt);
                }
            }
        }
        let _ = Backoff::Fixed(x).delay(1);
        let _ = PushOptions::from_host(value.clone(), Unit::Milliseconds);
        let _ = PushOptions::from_json(Some(&value.to_string()));
    }

    #[test]
    fn a_pushed_envelope_round_trips(
        queue in "[a-z]{1,10}",
        job in "[A-Za-z\\\\]{1,20}",
        data in any_json(),
        max_tries in prop::option::of(0u32..100),
        timeout in prop::option::of(0u32..3600),
    ) {
        let opts = PushOptions { max_tries, timeout: timeout.map(f64::from), ..PushOptions::default() };
        let env = Envelope::new(&queue, &job, data, &opts).unwrap();
        let back = Envelope::from_slice(&env.to_vec().unwrap()).unwrap();
        prop_assert_eq!(back.name(), env.name());
        // every number, the payload's and pushedAt, comes back to the bit
        prop_assert_eq!(back.to_vec().unwrap(), env.to_vec().unwrap());
    }
}
