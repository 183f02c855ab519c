//! Helpers shared by the CLI test files: run the `natskit` binary against a real server.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use natskit::LocalServer;
use serde_json::Value;

/// The binary with none of the developer's connection settings (`NATS_*` but the server
/// binary, and `NATSKIT_CONFIG`).
pub fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_natskit"));
    hermetic(&mut cmd);
    cmd
}

/// Removes the developer's connection settings from `cmd`'s environment.
pub fn hermetic(cmd: &mut Command) {
    for (key, _) in std::env::vars() {
        if (key.starts_with("NATS_") && key != "NATS_SERVER_BIN") || key == "NATSKIT_CONFIG" {
            cmd.env_remove(key);
        }
    }
}

/// [`bare`] with `NATS_URL` set to `server`.
pub fn command(server: &LocalServer) -> Command {
    let mut cmd = bare();
    cmd.env("NATS_URL", server.url());
    cmd
}

/// Runs the binary against `server` with stdin closed.
pub fn natskit(server: &LocalServer, args: &[&str]) -> Output {
    command(server)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run natskit")
}

/// Runs it and returns stdout; panics with stderr on failure.
pub fn ok(server: &LocalServer, args: &[&str]) -> String {
    let out = natskit(server, args);
    assert!(
        out.status.success(),
        "natskit {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs it with `--json` and parses stdout.
pub fn json(server: &LocalServer, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(server, &all)).expect("JSON output")
}

/// Runs it expecting failure; returns the exit code and stderr.
pub fn fails(server: &LocalServer, args: &[&str]) -> (i32, String) {
    let out = natskit(server, args);
    assert!(!out.status.success(), "natskit {args:?} should fail");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A JetStream-enabled server on a free port.
pub fn start() -> LocalServer {
    LocalServer::start().expect("start nats-server")
}

/// Starts `natskit <args>` against `server` (stdout piped) and waits for the first line it
/// writes on stderr, which must contain `ready` ("Listening on …").
pub fn started(server: &LocalServer, args: &[&str], ready: &str) -> Child {
    let mut child = command(server)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start natskit");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains(ready), "expected {ready:?}, got {line:?}");
    child
}
