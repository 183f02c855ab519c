//! Connection flags (`-s`, `--user`/`--password`, `--token`, `--nkey`), `pub` from stdin with
//! `--count` templating, binary-safe `sub --json`, `-f`, rounded `ping --json` and plurals.

mod common;
/// Operator-mode credentials made at test time (shared with core's creds tests).
#[path = "../../core/tests/common/jwt.rs"]
mod jwt;

use std::io::Write;
use std::process::Stdio;

use common::{bare, fails, json, natskit, ok, start};
use natskit::{LocalServer, ServerOptions};
use serde_json::Value;

/// Runs the binary with no `NATS_URL` (or one pointing nowhere) and `args`.
fn run(args: &[&str]) -> std::process::Output {
    bare()
        .env("NATS_URL", "nats://127.0.0.1:1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn succeeded(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn connection_flags_override_the_environment_and_never_show_secrets() {
    let srv = start();
    let url = srv.url();
    // -s beats NATS_URL (which points at a closed port).
    let ping: Value =
        serde_json::from_str(&succeeded(&run(&["--json", "-s", &url, "ping"]))).unwrap();
    assert_eq!(ping["server"], url.as_str());
    assert_eq!(run(&["ping"]).status.code(), Some(4));

    let guarded = LocalServer::with_options(ServerOptions {
        user: Some(("ann".into(), "pw-flag-9".into())),
        ..Default::default()
    })
    .unwrap();
    let gurl = guarded.url();
    succeeded(&run(&[
        "-s",
        &gurl,
        "--user",
        "ann",
        "--password",
        "pw-flag-9",
        "ping",
    ]));
    let out = run(&[
        "-s",
        &gurl,
        "--user",
        "ann",
        "--password",
        "pw-WRONG-9",
        "ping",
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("pw-WRONG-9"));

    let tokened = LocalServer::with_options(ServerOptions {
        token: Some("tok-flag-3".into()),
        ..Default::default()
    })
    .unwrap();
    succeeded(&run(&[
        "-s",
        &tokened.url(),
        "--token",
        "tok-flag-3",
        "ping",
    ]));
    assert_eq!(run(&["-s", &tokened.url(), "ping"]).status.code(), Some(5));

    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().unwrap();
    let keyed = LocalServer::with_options(ServerOptions {
        config: Some(format!(
            "authorization {{ users = [ {{ nkey: {} }} ] }}\n",
            user.public_key()
        )),
        ..Default::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("user.nk");
    std::fs::write(&seed_file, format!("{seed}\n")).unwrap();
    let seed_path = seed_file.to_str().unwrap();
    succeeded(&run(&["-s", &keyed.url(), "--nkey", seed_path, "ping"]));
    let missing = run(&["-s", &keyed.url(), "--nkey", "/nonexistent/seed.nk", "ping"]);
    assert_eq!(missing.status.code(), Some(3), "a CONFIG error");

    // A flag overrides the named connection of a config file too.
    let config = dir.path().join("natskit.toml");
    std::fs::write(&config, "servers = [\"nats://127.0.0.1:1\"]\n").unwrap();
    succeeded(&run(&[
        "--config",
        config.to_str().unwrap(),
        "-s",
        &url,
        "ping",
    ]));
}

#[test]
fn pub_reads_stdin_counts_and_templates() {
    let srv = start();
    let sub = common::started(
        &srv,
        &["--json", "sub", "bulk", "--count", "4"],
        "Listening on bulk",
    );

    let mut publisher = common::command(&srv)
        .args(["--json", "pub", "bulk"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    publisher
        .stdin
        .take()
        .unwrap()
        .write_all(&[0xff, 0x00, 0xfe])
        .unwrap();
    let published = publisher.wait_with_output().unwrap();
    let published: Value = serde_json::from_slice(&published.stdout).unwrap();
    assert_eq!(published["bytes"], 3);
    let templated = json(&srv, &["pub", "bulk", "n={{Count}}", "--count", "3"]);
    assert_eq!(templated["messages"], 3);

    let out = sub.wait_with_output().unwrap();
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Binary data survives as base64, flagged; text stays text.
    assert_eq!(lines[0]["data"], "/wD+");
    assert_eq!(lines[0]["base64"], true);
    let texts: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["data"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["n=1", "n=2", "n=3"]);
    assert!(lines[1].get("base64").is_none());
    assert_eq!(
        ok(&srv, &["pub", "bulk", "x", "--count", "1"]).trim(),
        "Published 1 message (1 byte) to bulk"
    );
}

#[test]
fn short_force_rounded_ping_and_plurals() {
    let srv = start();
    ok(&srv, &["stream", "create", "GONE", "gone.>"]);
    ok(&srv, &["stream", "delete", "GONE", "-f"]);
    let (code, _) = fails(&srv, &["stream", "info", "GONE"]);
    assert_eq!(code, 12, "NOT_FOUND");

    let ping = json(&srv, &["ping"]);
    let rtt = ping["rtt_ms"].to_string();
    let decimals = rtt.split_once('.').map_or(0, |(_, d)| d.len());
    assert!(decimals <= 3, "{rtt}");

    json(&srv, &["queue", "push", "default", "SendMail", "{}"]);
    let out = natskit(&srv, &["queue", "clear", "default", "-f"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "Cleared 1 job from queue default"
    );
}

#[test]
fn creds_flag_signs_in_with_a_creds_file() {
    let operator = jwt::Operator::new();
    let account = operator.account();
    let srv = LocalServer::with_options(ServerOptions {
        config: Some(operator.server_config(&[&account])),
        ..Default::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.creds");
    account.user().write_creds(&path);
    let creds = path.to_str().unwrap();
    succeeded(&run(&["-s", &srv.url(), "--creds", creds, "ping"]));
    let refused = run(&["-s", &srv.url(), "ping"]);
    assert_eq!(
        refused.status.code(),
        Some(5),
        "AUTHORIZATION without the creds"
    );
}
