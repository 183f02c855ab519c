//! `--traceparent`/`--tracestate` on `pub`, `req` and `queue push`; `queue work --exec` gets
//! the job's trace context as `TRACEPARENT`/`TRACESTATE`.

mod common;

use common::{fails, json, ok, start, started};
use serde_json::Value;

const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn pub_sends_the_trace_context_and_a_malformed_one_is_refused() {
    let srv = start();
    let sub = started(
        &srv,
        &["--json", "sub", "traced", "--count", "1"],
        "Listening on traced",
    );
    ok(
        &srv,
        &[
            "pub",
            "traced",
            "x",
            "--traceparent",
            PARENT,
            "--tracestate",
            "k=v",
        ],
    );
    let out = sub.wait_with_output().unwrap();
    let msg: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(msg["headers"]["traceparent"], serde_json::json!([PARENT]));
    assert_eq!(msg["headers"]["tracestate"], serde_json::json!(["k=v"]));

    let (code, err) = fails(&srv, &["pub", "traced", "x", "--traceparent", "00-bad"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("traceparent"), "{err}");
    let (_, err) = fails(&srv, &["req", "traced", "x", "--tracestate", "k=v"]);
    assert!(err.contains("--traceparent"), "{err}");
}

#[test]
fn a_pushed_trace_context_reaches_the_exec_command() {
    let srv = start();
    let pushed = json(
        &srv,
        &[
            "queue",
            "push",
            "traced",
            "Job",
            "{}",
            "--traceparent",
            PARENT,
            "--tracestate",
            "k=v",
        ],
    );
    assert!(pushed["id"].is_string(), "{pushed}");
    json(&srv, &["queue", "push", "traced", "Plain", "{}"]);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("seen");
    let exec = format!(
        "echo \"$NATSKIT_JOB_NAME ${{TRACEPARENT:-none}} ${{TRACESTATE:-none}}\" >> {}",
        log.display()
    );
    ok(
        &srv,
        &[
            "queue",
            "work",
            "traced",
            "--exec",
            &exec,
            "--stop-when-empty",
            "--sleep",
            "1",
        ],
    );
    let seen = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(
        lines,
        [format!("Job {PARENT} k=v").as_str(), "Plain none none"]
    );
}
