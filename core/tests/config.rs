//! Configuration from the environment, files and JSON, including every invalid case.

use std::io::Write;

use natskit::{Config, ConnectionConfig, ErrorCode};

fn env(pairs: &[(&str, &str)]) -> natskit::Result<Config> {
    Config::from_env_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn config_error(result: natskit::Result<Config>) -> String {
    let err = result.expect_err("expected a CONFIG error");
    assert_eq!(err.code(), ErrorCode::Config, "{err}");
    err.message().to_string()
}

fn file(ext: &str, text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn env_url_list_and_auth() {
    let c = env(&[
        ("NATS_URL", "nats://a:4222, nats://b:4223"),
        ("NATS_USER", "bob"),
        ("NATS_PASSWORD", "s3cret"),
    ])
    .unwrap();
    let conn = c.connection(None).unwrap();
    assert_eq!(conn.server_urls(), ["nats://a:4222", "nats://b:4223"]);
    assert_eq!(conn.user.as_deref(), Some("bob"));
    assert_eq!(conn.password.as_ref().unwrap().expose(), "s3cret");
    assert_eq!(c.default, "default");
}

#[test]
fn env_seed_host_and_port() {
    let c = env(&[
        ("NATS_HOST", "nats.internal"),
        ("NATS_PORT", "4333"),
        ("NATS_USER", ""),
    ])
    .unwrap();
    let conn = c.connection(None).unwrap();
    assert_eq!(conn.server_urls(), ["nats://nats.internal:4333"]);
    assert_eq!(conn.user, None, "empty variables count as unset");
}

#[test]
fn env_defaults_to_local_server() {
    let c = env(&[]).unwrap();
    assert_eq!(
        c.connection(None).unwrap().server_urls(),
        ["nats://127.0.0.1:4222"]
    );
}

#[test]
fn env_invalid_values() {
    assert!(config_error(env(&[("NATS_PORT", "99999")])).contains("NATS_PORT"));
    assert!(config_error(env(&[("NATS_PORT", "abc")])).contains("NATS_PORT"));
    let msg = config_error(env(&[("NATS_TOKEN", "t0k3n"), ("NATS_USER", "bob")]));
    assert!(msg.contains("token") && !msg.contains("t0k3n"), "{msg}");
    assert!(config_error(env(&[("NATS_TLS_FIRST", "maybe")])).contains("NATS_TLS_FIRST"));
    assert!(config_error(env(&[("NATS_CREDS", "/no/such/file.creds")])).contains("creds"));
    assert!(config_error(env(&[("NATS_URL", "nats://host:notaport")])).contains("servers"));
}

#[test]
fn env_names_the_config_file_and_default() {
    let f = file(
        ".toml",
        r#"
default = "primary"
[connections.primary]
servers = ["nats://p:4222"]
[connections.secondary]
servers = "nats://s1:4222,nats://s2:4222"
name = "billing"
request_timeout = 2.5
reconnect = { max_attempts = 10, delay = 0.5 }
jetstream = { domain = "hub", timeout = 3 }
"#,
    );
    let path = f.path().to_str().unwrap();
    let c = env(&[("NATSKIT_CONFIG", path)]).unwrap();
    assert_eq!(c.default, "primary");
    assert_eq!(c.names(), ["primary", "secondary"]);
    let s = c.connection(Some("secondary")).unwrap();
    assert_eq!(s.server_urls(), ["nats://s1:4222", "nats://s2:4222"]);
    assert_eq!(s.name.as_deref(), Some("billing"));
    assert_eq!(s.request_timeout().unwrap().as_millis(), 2500);
    assert_eq!(s.reconnect.max_attempts, Some(10));
    assert_eq!(s.jetstream.domain.as_deref(), Some("hub"));
    let c = env(&[("NATSKIT_CONFIG", path), ("NATS_CONNECTION", "secondary")]).unwrap();
    assert_eq!(c.default, "secondary");
    assert!(config_error(env(&[
        ("NATSKIT_CONFIG", path),
        ("NATS_CONNECTION", "nope")
    ]))
    .contains("nope"));
}

#[test]
fn json_file_and_json_string() {
    let f = file(
        ".json",
        r#"{"connections": {"default": {"url": "nats://x:1"}}}"#,
    );
    let c = Config::from_file(f.path()).unwrap();
    assert_eq!(c.connection(None).unwrap().server_urls(), ["nats://x:1"]);
    let single = Config::from_json(r#"{"servers": ["nats://y:2"], "token": "abc"}"#).unwrap();
    assert_eq!(single.names(), ["default"]);
    let conn = ConnectionConfig::from_json(r#"{"host": "h", "port": 5}"#).unwrap();
    assert_eq!(conn.server_urls(), ["nats://h:5"]);
    // Laravel's env() gives strings and nulls: digits are a port, null is unset.
    let conn = ConnectionConfig::from_json(
        r#"{"host": "h", "port": "4223", "servers": null, "user": null, "token": null}"#,
    )
    .unwrap();
    assert_eq!(conn.server_urls(), ["nats://h:4223"]);
    assert!(ConnectionConfig::from_json(r#"{"port": "42x"}"#).is_err());
}

#[test]
fn invalid_files_name_connection_and_key() {
    let msg = config_error(Config::from_json(
        r#"{"connections": {"orders": {"servers": ["nats://a:1"], "pasword": "x"}}}"#,
    ));
    assert!(
        msg.contains("\"orders\"") && msg.contains("pasword"),
        "{msg}"
    );
    let msg = config_error(Config::from_json(
        r#"{"connections": {"main": {"port": 70000}}}"#,
    ));
    assert!(msg.contains("\"main\"") && msg.contains("port"), "{msg}");
    let msg = config_error(Config::from_json(
        r#"{"connections": {"main": {"token": "t", "user": "u", "password": "p"}}}"#,
    ));
    assert!(
        msg.contains("\"main\"") && msg.contains("token") && !msg.contains("\"t\""),
        "{msg}"
    );
    let msg = config_error(Config::from_json(
        r#"{"connections": {"main": {"creds": "/missing.creds"}}}"#,
    ));
    assert!(msg.contains("\"main\"") && msg.contains("creds"), "{msg}");
    let msg = config_error(Config::from_json(
        r#"{"connections": {"main": {"servers": "nats://bad host:x"}}}"#,
    ));
    assert!(msg.contains("\"main\"") && msg.contains("servers"), "{msg}");
    let msg = config_error(Config::from_json(
        r#"{"default": "other", "connections": {"main": {}}}"#,
    ));
    assert!(msg.contains("other"), "{msg}");
    let msg = config_error(Config::from_json(
        r#"{"connections": {"main": {}}, "extra": 1}"#,
    ));
    assert!(msg.contains("extra"), "{msg}");
    let msg = config_error(Config::from_json(
        r#"{"connections": {"main": {"request_timeout": -1}}}"#,
    ));
    assert!(msg.contains("request_timeout"), "{msg}");
    config_error(Config::from_json("{not json"));
    let bad_toml = file(".toml", "[connections.a\nservers=");
    config_error(Config::from_file(bad_toml.path()));
    let msg = config_error(Config::from_file("/no/such/natskit.toml"));
    assert!(msg.contains("/no/such/natskit.toml"), "{msg}");
}

#[test]
fn unknown_connection_lists_the_configured_ones() {
    let c = Config::from_json(r#"{"connections": {"a": {}, "b": {}}}"#).unwrap();
    let err = c.connection(Some("c")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert!(err.message().contains("a, b"), "{err}");
}

#[test]
fn connection_options_defaults_and_every_source() {
    let d = ConnectionConfig::default();
    assert_eq!(d.inbox_prefix, "_INBOX");
    assert!(!d.no_echo && !d.retry_on_initial_connect && !d.ignore_discovered_servers);
    assert!(d.randomize);
    assert_eq!(d.reconnect_buffer_size, 8 * 1024 * 1024);

    let f = file(
        ".toml",
        r#"
inbox_prefix = "_APP"
no_echo = true
retry_on_initial_connect = true
reconnect_buffer_size = 4096
ignore_discovered_servers = true
randomize = false
"#,
    );
    let from_file = Config::from_file(f.path()).unwrap();
    let json = Config::from_json(
        r#"{"inbox_prefix": "_APP", "no_echo": true, "retry_on_initial_connect": true,
            "reconnect_buffer_size": 4096, "ignore_discovered_servers": true, "randomize": false}"#,
    )
    .unwrap();
    let from_env = env(&[
        ("NATS_INBOX_PREFIX", "_APP"),
        ("NATS_NO_ECHO", "1"),
        ("NATS_RETRY_ON_INITIAL_CONNECT", "true"),
        ("NATS_RECONNECT_BUFFER_SIZE", "4096"),
        ("NATS_IGNORE_DISCOVERED_SERVERS", "yes"),
        ("NATS_RANDOMIZE", "false"),
    ])
    .unwrap();
    for c in [&from_file, &json, &from_env] {
        let c = c.connection(None).unwrap();
        assert_eq!(c.inbox_prefix, "_APP");
        assert!(c.no_echo && c.retry_on_initial_connect && c.ignore_discovered_servers);
        assert!(!c.randomize);
        assert_eq!(c.reconnect_buffer_size, 4096);
    }
}

#[test]
fn connection_options_invalid_values_name_the_field() {
    let cases = [
        (r#"{"reconnect_buffer_size": -1}"#, "reconnect_buffer_size"),
        (
            r#"{"reconnect_buffer_size": "big"}"#,
            "reconnect_buffer_size",
        ),
        (r#"{"no_echo": "yes"}"#, "no_echo"),
        (
            r#"{"retry_on_initial_connect": 1}"#,
            "retry_on_initial_connect",
        ),
        (r#"{"randomize": null}"#, "randomize"),
        (
            r#"{"ignore_discovered_servers": []}"#,
            "ignore_discovered_servers",
        ),
        (r#"{"inbox_prefix": ""}"#, "inbox_prefix"),
        (r#"{"inbox_prefix": "a..b"}"#, "inbox_prefix"),
        (r#"{"inbox_prefix": 5}"#, "inbox_prefix"),
    ];
    for (json, field) in cases {
        let msg = config_error(Config::from_json(json));
        assert!(msg.contains(field), "{json}: {msg}");
    }
    for (var, value) in [
        ("NATS_NO_ECHO", "maybe"),
        ("NATS_RETRY_ON_INITIAL_CONNECT", "2"),
        ("NATS_IGNORE_DISCOVERED_SERVERS", "sure"),
        ("NATS_RANDOMIZE", "random"),
        ("NATS_RECONNECT_BUFFER_SIZE", "-1"),
        ("NATS_RECONNECT_BUFFER_SIZE", "8MB"),
        ("NATS_INBOX_PREFIX", "a.>"),
    ] {
        let msg = config_error(env(&[(var, value)]));
        assert!(
            msg.contains(var) || msg.contains("inbox_prefix"),
            "{var}={value}: {msg}"
        );
    }
}
