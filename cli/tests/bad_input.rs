//! Bad input on the command line and in config files (issue 14): every one exits with its
//! error code's number (3 = CONFIG, 1 = INVALID_ARGUMENT) and a message naming the key, never
//! 101 (a panic), and never echoes a secret; `ping` names the server that answered.

mod common;

use std::process::{Output, Stdio};

use common::{fails, json, start};
use natskit::LocalServer;

/// Runs the binary with `config` written to a file named `name` (NATSKIT_CONFIG).
fn with_config(name: &str, config: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, config).unwrap();
    common::bare()
        .args(args)
        .env("NATSKIT_CONFIG", &path)
        .stdin(Stdio::null())
        .output()
        .expect("run natskit")
}

/// Exit code and stderr of a run that must fail.
fn failed(out: Output) -> (i32, String) {
    assert!(!out.status.success(), "should fail");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn config_for(srv: &LocalServer, extra: &str) -> String {
    format!("servers = \"{}\"\n{extra}\n", srv.url())
}

#[test]
fn huge_and_bad_durations_in_a_config_file_are_config_errors() {
    let srv = start();
    for (extra, key) in [
        ("connect_timeout = 1e300", "connect_timeout"),
        ("request_timeout = -1", "request_timeout"),
        ("ping_interval = inf", "ping_interval"),
        ("ping_interval = nan", "ping_interval"),
        ("[queue]\nretry_after = 1e300", "queue.retry_after"),
        ("[reconnect]\ndelay = 1e300", "reconnect.delay"),
    ] {
        let (code, err) = failed(with_config("c.toml", &config_for(&srv, extra), &["ping"]));
        assert_eq!(code, 3, "{extra}: {err}");
        assert!(
            err.contains("CONFIG") && err.contains(key),
            "{extra}: {err}"
        );
        assert!(err.len() < 300, "{extra}: a short message: {err}");
    }
}

#[test]
fn out_of_range_counts_and_bad_seeds_are_config_errors() {
    let srv = start();
    let seed = "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU";
    for (extra, key) in [
        ("[reconnect]\nmax_attempts = -7", "reconnect.max_attempts"),
        ("[queue]\nreplicas = 0", "queue.replicas"),
        ("[queue]\nreplicas = 9", "queue.replicas"),
        (
            &format!("nkey_seed = \"{}x\"", &seed[..20]) as &str,
            "nkey_seed",
        ),
    ] {
        let (code, err) = failed(with_config("c.toml", &config_for(&srv, extra), &["ping"]));
        assert_eq!(code, 3, "{extra}: {err}");
        assert!(err.contains(key), "{extra}: {err}");
        assert!(!err.contains(&seed[..20]), "the seed is never shown: {err}");
    }
    let fine = config_for(&srv, "[reconnect]\nmax_attempts = -1");
    assert!(with_config("c.toml", &fine, &["ping"]).status.success());
}

#[test]
fn an_empty_config_file_is_a_config_error_naming_the_file() {
    for (name, text) in [
        ("empty.toml", ""),
        ("comments.toml", "# nothing\n"),
        ("empty.json", "{}"),
    ] {
        let (code, err) = failed(with_config(name, text, &["ping"]));
        assert_eq!(code, 3, "{name}: {err}");
        assert!(
            err.contains(name) && err.contains("configures nothing"),
            "{err}"
        );
    }
}

#[test]
fn bad_arguments_exit_with_invalid_argument() {
    let srv = start();
    for args in [
        &["pub", "s", "x", "--header", ":v"][..],
        &["pub", "s", "x", "--header", "a b:v"][..],
        &["req", "s", "x", "--timeout", "1e300"][..],
        &[
            "queue", "work", "default", "--exec", "true", "--sleep", "1e300",
        ][..],
    ] {
        let (code, err) = fails(&srv, args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains("INVALID_ARGUMENT"), "{args:?}: {err}");
    }
}

#[test]
fn ping_names_the_server_that_answered() {
    let srv = start();
    let unreachable = "nats://127.0.0.1:1";
    let config = format!(
        "servers = [\"{unreachable}\", \"{}\"]\nconnect_timeout = 2\n",
        srv.url()
    );
    let out = with_config("c.toml", &config, &["--json", "ping"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pong: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pong["server"], srv.url());
    assert_eq!(json(&srv, &["ping"])["server"], srv.url());
}
