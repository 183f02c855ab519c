//! `natskit queue ...` against a real nats-server: sizes, push, clear, the failed-jobs
//! commands, and `queue work --exec` with retries, backoff, the dead-letter subject,
//! timeouts and a graceful SIGTERM.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{command, fails, json, ok, start};
use natskit::LocalServer;
use serde_json::Value;

/// A config file for `srv` with queue settings (`retry_after`, dead-letter subject).
fn config(srv: &LocalServer, dir: &Path) -> String {
    let path = dir.join("natskit.json");
    let body = serde_json::json!({"connections": {"main": {
        "servers": [srv.url()],
        "queue": {"retry_after": 2, "dead_letter_subject": "jobs.dead"},
    }}});
    std::fs::write(&path, body.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs a worker with `--json` and returns its event lines (the last is `stopped`).
fn work(srv: &LocalServer, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json", "queue", "work"];
    all.extend_from_slice(args);
    ok(srv, &all)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect()
}

fn events_of<'a>(events: &'a [Value], id: &Value) -> Vec<&'a str> {
    events
        .iter()
        .filter(|e| &e["id"] == id)
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

fn push(srv: &LocalServer, args: &[&str]) -> Value {
    let mut all = vec!["queue", "push"];
    all.extend_from_slice(args);
    json(srv, &all)["id"].clone()
}

/// (ready, reserved, delayed, failed) of one queue, polled until it matches (the server
/// updates consumer counters shortly after an ack).
fn sizes(srv: &LocalServer, queue: &str, expected: (u64, u64, u64, u64)) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let s = json(srv, &["queue", "size", queue]);
        let got = ["ready", "reserved", "delayed", "failed"].map(|k| s[k].as_u64().unwrap());
        if (got[0], got[1], got[2], got[3]) == expected || Instant::now() > deadline {
            assert_eq!((got[0], got[1], got[2], got[3]), expected, "{queue}: {s}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn push_size_and_clear() {
    let srv = start();
    assert!(ok(&srv, &["queue", "size"]).contains("0 queues"));
    let text = ok(
        &srv,
        &["queue", "push", "mail", "SendEmail", r#"{"to":"ada"}"#],
    );
    assert!(text.starts_with("Pushed SendEmail onto mail as "), "{text}");
    push(
        &srv,
        &["mail", "SendEmail", r#"{"to":"bob"}"#, "--tries", "3"],
    );
    let delayed = json(
        &srv,
        &["queue", "push", "mail", "Remind", "{}", "--delay", "1h"],
    );
    assert_eq!(delayed["delay"], 3600.0);
    assert_eq!(delayed["job"], "Remind");
    push(&srv, &["high", "Alert", "[1, 2]", "--backoff", "1,5,10"]);

    let all = json(&srv, &["queue", "size"]);
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["high", "mail"]);
    assert_eq!(all[1]["ready"], 2);
    assert_eq!(all[1]["delayed"], 1);
    let table = ok(&srv, &["queue", "size"]);
    let mail: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("mail"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(mail[..5], ["mail", "2", "0", "1", "0"]);
    assert!(table.lines().next().unwrap().starts_with("Queue  Ready"));
    assert!(table.contains("2 queues"));

    let (code, err) = fails(&srv, &["queue", "clear", "mail"]);
    assert_eq!(code, 1);
    assert!(err.contains("--force"), "{err}");
    sizes(&srv, "mail", (2, 0, 1, 0));
    let cleared = json(&srv, &["queue", "clear", "mail", "--force"]);
    assert_eq!(cleared["cleared"], 3);
    sizes(&srv, "mail", (0, 0, 0, 0));
    sizes(&srv, "high", (1, 0, 0, 0));

    let (code, err) = fails(&srv, &["queue", "push", "mail", "X", "{not json"]);
    assert_eq!(code, 1);
    assert!(err.contains("not JSON"), "{err}");
    let (code, err) = fails(
        &srv,
        &["queue", "push", "mail", "X", "{}", "--backoff", "1,x"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("--backoff"), "{err}");
    let (code, _) = fails(&srv, &["queue", "push", "bad.name", "X", "{}"]);
    assert_eq!(code, 1);
}

#[test]
fn worker_retries_with_backoff_and_fails_into_the_store_and_dead_letter_subject() {
    let srv = start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&srv, dir.path());
    let rt = natskit::runtime::runtime();
    let (observer, mut dead) = rt.block_on(async {
        let client = natskit::connect(&srv.url()).await.unwrap();
        let sub = client.subscribe("jobs.dead", None).await.unwrap();
        client.flush().await.unwrap();
        (client, sub)
    });
    let cfg = ["--config", config.as_str()];
    let pushed = |args: &[&str]| push(&srv, &[&["orders"], args, &cfg].concat());
    let done = pushed(&["Ship", r#"{"order":7}"#]);
    let flaky = pushed(&["Charge", r#"{"order":8}"#, "--tries", "3", "--backoff", "1"]);
    let bad = pushed(&["Refund", r#"{"order":9}"#, "--tries", "2", "--backoff", "0"]);

    let log = dir.path().join("ran.jsonl");
    let script = format!(
        r#"job=$(cat); echo "$job" >> {log}; case "$NATSKIT_JOB_NAME" in
             Charge) [ "$NATSKIT_JOB_ATTEMPTS" -ge 2 ] || {{ echo "card declined" >&2; exit 1; }} ;;
             Refund) echo "no such order" >&2; exit 2 ;;
           esac"#,
        log = log.display()
    );
    let events = work(
        &srv,
        &[
            &[
                "orders",
                "--exec",
                &script,
                "--max-jobs",
                "5",
                "--max-time",
                "30",
            ],
            &cfg[..],
        ]
        .concat(),
    );

    assert_eq!(events_of(&events, &done), ["processed"]);
    assert_eq!(events_of(&events, &flaky), ["retrying", "processed"]);
    assert_eq!(events_of(&events, &bad), ["retrying", "failed"]);
    let retry = events.iter().find(|e| e["id"] == flaky).unwrap();
    assert_eq!(retry["delay"], 1.0);
    assert_eq!(retry["message"], "card declined");
    assert_eq!(retry["name"], "Charge");
    let second = events
        .iter()
        .find(|e| e["id"] == flaky && e["event"] == "processed")
        .unwrap();
    assert_eq!(second["attempts"], 2);
    let stopped = events.last().unwrap();
    assert_eq!(stopped["event"], "stopped");
    assert_eq!(stopped["reason"], "max_jobs");
    assert_eq!(
        (
            &stopped["processed"],
            &stopped["retried"],
            &stopped["failed"]
        ),
        (&Value::from(2), &Value::from(2), &Value::from(1))
    );

    let ran: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ran.len(), 5);
    let ship = ran.iter().find(|j| j["id"] == done).unwrap();
    assert_eq!(ship["name"], "Ship");
    assert_eq!(ship["queue"], "orders");
    assert_eq!(ship["payload"]["order"], 7);
    assert_eq!(ship["attempts"], 1);

    let failed = json(
        &srv,
        &[&["queue", "failed", "--queue", "orders"], &cfg[..]].concat(),
    );
    assert_eq!(failed.as_array().unwrap().len(), 1);
    assert_eq!(failed[0]["id"], bad);
    assert_eq!(failed[0]["connection"], "main");
    assert_eq!(failed[0]["exception"], "CommandFailed");
    assert_eq!(failed[0]["message"], "no such order");
    assert_eq!(failed[0]["payload"]["data"]["order"], 9);
    let table = ok(&srv, &[&["queue", "failed"], &cfg[..]].concat());
    let row = table
        .lines()
        .find(|l| l.starts_with(bad.as_str().unwrap()))
        .unwrap();
    assert!(row.contains("orders") && row.contains("Refund"), "{row}");
    assert!(
        row.contains("CommandFailed") && row.ends_with("no such order"),
        "{row}"
    );
    assert!(table.contains("1 failed job\n"));
    assert!(json(
        &srv,
        &[&["queue", "failed", "--queue", "other"], &cfg[..]].concat()
    )
    .as_array()
    .unwrap()
    .is_empty());

    let letter = rt
        .block_on(dead.next_timeout(Some(Duration::from_secs(2))))
        .unwrap()
        .expect("a dead letter");
    let letter: Value = letter.json().unwrap();
    assert_eq!(letter["id"], bad);
    assert_eq!(letter["original_queue"], "orders");
    assert_eq!(letter["original_connection"], "main");
    assert_eq!(letter["failure_message"], "no such order");
    assert_eq!(letter["payload"]["job"], "Refund");
    rt.block_on(observer.close()).unwrap();
}

#[test]
fn failed_jobs_retry_forget_flush() {
    let srv = start();
    let ids: Vec<Value> = (0..3)
        .map(|i| push(&srv, &["jobs", "Fragile", &i.to_string(), "--tries", "1"]))
        .collect();
    let failing = [
        "jobs",
        "--exec",
        "echo broken >&2; exit 1",
        "--stop-when-empty",
        "--sleep",
        "0.5",
    ];
    let events = work(&srv, &failing);
    assert_eq!(events.iter().filter(|e| e["event"] == "failed").count(), 3);
    sizes(&srv, "jobs", (0, 0, 0, 3));
    let id = |i: usize| ids[i].as_str().unwrap();

    let retried = json(&srv, &["queue", "retry", id(0)]);
    assert_eq!(retried["retried"], serde_json::json!([id(0)]));
    sizes(&srv, "jobs", (1, 0, 0, 2));
    let (code, err) = fails(&srv, &["queue", "retry", "no-such-id"]);
    assert_eq!(code, 12);
    assert!(err.contains("NOT_FOUND"), "{err}");

    let text = ok(&srv, &["queue", "forget", id(1)]);
    assert!(
        text.contains(&format!("Forgot failed job {}", id(1))),
        "{text}"
    );
    let (code, _) = fails(&srv, &["queue", "forget", id(1)]);
    assert_eq!(code, 12);
    sizes(&srv, "jobs", (1, 0, 0, 1));

    assert_eq!(
        json(&srv, &["queue", "flush", "--hours", "1"])["flushed"],
        0
    );
    let text = ok(&srv, &["queue", "retry", "all"]);
    assert!(text.contains(&format!("Retried job {}", id(2))), "{text}");
    assert!(text.contains("1 job put back"), "{text}");
    sizes(&srv, "jobs", (2, 0, 0, 0));

    let events = work(&srv, &failing);
    let failed: Vec<&Value> = events.iter().filter(|e| e["event"] == "failed").collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed.iter().all(|e| e["attempts"] == 1),
        "attempts reset: {failed:?}"
    );
    let text = ok(&srv, &["queue", "flush"]);
    assert!(text.contains("Flushed 2 failed jobs"), "{text}");
    assert!(ok(&srv, &["queue", "failed"]).contains("0 failed jobs"));
}

/// Processes of process group `pgid` still alive (zombies are already dead).
fn live_members(pgid: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid pgrp ...: fields after the last ')'.
            let fields: Vec<&str> = stat
                .rsplit(')')
                .next()
                .unwrap()
                .split_whitespace()
                .collect();
            fields.get(2) == Some(&pgid) && fields.first() != Some(&"Z")
        })
        .collect()
}

#[test]
fn a_command_past_its_timeout_is_killed_with_its_process_group_and_counts_as_a_failure() {
    let srv = start();
    let dir = tempfile::tempdir().unwrap();
    let id = push(&srv, &["slow", "Sleep", "{}", "--tries", "1"]);
    let pgid_file = dir.path().join("pgid");
    // The shell leads its process group; a background sleep is a second member.
    let script = format!("echo $$ > {}; sleep 30 & sleep 30", pgid_file.display());
    let mut child = command(&srv)
        .args([
            "--json",
            "queue",
            "work",
            "slow",
            "--exec",
            &script,
            "--timeout",
            "0.5",
            "--once",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let pgid = loop {
        match std::fs::read_to_string(&pgid_file) {
            Ok(text) if text.ends_with('\n') => break text.trim().to_string(),
            _ => assert!(Instant::now() < deadline, "the command never started"),
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let started = Instant::now();
    let kill_deadline = started + Duration::from_secs(2);
    while !live_members(&pgid).is_empty() {
        assert!(
            Instant::now() < kill_deadline,
            "still alive 2 s after a 0.5 s timeout: {:?}",
            live_members(&pgid)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "the worker did not stop after --once"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let events: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events_of(&events, &id), ["failed"]);
    let failed = json(&srv, &["queue", "failed"]);
    assert_eq!(failed[0]["exception"], "TimeoutExceeded");
    assert_eq!(events.last().unwrap()["reason"], "once");
}

#[test]
fn sigterm_finishes_the_running_job_and_leaves_nothing_reserved() {
    let srv = start();
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<Value> = (0..3)
        .map(|i| push(&srv, &["long", "Export", &i.to_string()]))
        .collect();
    let started = dir.path().join("started");
    let script = format!("touch {}; sleep 1; echo finished", started.display());
    let child = command(&srv)
        .args([
            "--json", "queue", "work", "long", "--exec", &script, "--sleep", "0.5",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !started.exists() {
        assert!(Instant::now() < deadline, "no job started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["event"], "processed");
    assert_eq!(events[0]["id"], ids[0]);
    assert_eq!(events[1]["event"], "stopped");
    assert_eq!(events[1]["reason"], "requested");
    assert!(String::from_utf8_lossy(&out.stderr).contains("finished"));
    sizes(&srv, "long", (2, 0, 0, 0));
}

#[test]
fn migrate_moves_jobs_to_per_queue_streams_and_size_shows_the_placement() {
    let srv = start();
    let dir = tempfile::tempdir().unwrap();
    push(&srv, &["mail", "Send", "{}"]);
    push(&srv, &["mail", "Send", "{}", "--delay", "1h"]);
    let path = dir.path().join("per-queue.json");
    let body = serde_json::json!({"connections": {"main": {
        "servers": [srv.url()],
        "queue": {"streams": "per-queue", "queues": {"wide": {"partitions": 2}}},
    }}});
    std::fs::write(&path, body.to_string()).unwrap();
    let cfg = path.to_str().unwrap();
    let moved = json(&srv, &["queue", "migrate", "--config", cfg]);
    assert_eq!(moved[0]["queue"], "mail", "{moved}");
    assert_eq!(moved[0]["stream"], "NATSKIT_JOBS_mail");
    assert_eq!(
        (moved[0]["ready"].as_u64(), moved[0]["delayed"].as_u64()),
        (Some(1), Some(1))
    );
    let size = json(&srv, &["queue", "size", "mail", "--config", cfg]);
    assert_eq!(
        (size["ready"].as_u64(), size["delayed"].as_u64()),
        (Some(1), Some(1)),
        "{size}"
    );
    let placement = &size["placement"];
    assert_eq!(placement["stream"], "NATSKIT_JOBS_mail", "{size}");
    assert_eq!(
        (placement["layout"].as_str(), placement["replicas"].as_u64()),
        (Some("per-queue"), Some(1))
    );
    let table = ok(&srv, &["queue", "size", "--config", cfg]);
    assert!(
        table.contains("Stream") && table.contains("NATSKIT_JOBS_mail"),
        "{table}"
    );
    sizes(&srv, "mail", (0, 0, 0, 0));
    ok(
        &srv,
        &["queue", "push", "wide", "Job", "{}", "--config", cfg],
    );
    let table = ok(&srv, &["queue", "size", "wide", "--config", cfg]);
    assert!(
        table.contains("NATSKIT_JOBS_wide~0..NATSKIT_JOBS_wide~1"),
        "{table}"
    );
    let size = json(&srv, &["queue", "size", "wide", "--config", cfg]);
    assert_eq!(size["ready"], 1, "{size}");
    assert_eq!(
        size["placement"]["partitions"].as_array().map(Vec::len),
        Some(2)
    );
}
