//! `natskit kv` against a real nats-server: buckets, keys, history, and a watch that prints
//! the current values before the changes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{command, fails, json, ok, start};
use serde_json::Value;

#[test]
fn kv_buckets_keys_and_history() {
    let srv = start();
    let created = json(
        &srv,
        &[
            "kv",
            "create",
            "cfg",
            "--history",
            "5",
            "--storage",
            "memory",
            "--max-age",
            "1h",
        ],
    );
    assert_eq!(created["history"], 5);
    assert_eq!(created["max_age"], 3_600_000_000_000u64);
    assert_eq!(json(&srv, &["kv", "ls"]), serde_json::json!(["cfg"]));

    let put = json(&srv, &["kv", "put", "cfg", "color", "red"]);
    assert_eq!(put["revision"], 1);
    ok(&srv, &["kv", "put", "cfg", "color", "blue"]);
    ok(&srv, &["kv", "put", "cfg", "size", "L"]);
    assert_eq!(ok(&srv, &["kv", "get", "cfg", "color"]), "blue\n");
    let entry = json(&srv, &["kv", "get", "cfg", "color"]);
    assert_eq!(
        (&entry["value"], &entry["revision"], &entry["operation"]),
        (&"blue".into(), &2.into(), &"PUT".into())
    );
    assert_eq!(
        json(&srv, &["kv", "ls", "cfg"]),
        serde_json::json!(["color", "size"])
    );

    ok(&srv, &["kv", "del", "cfg", "color"]);
    let (code, err) = fails(&srv, &["kv", "get", "cfg", "color"]);
    assert!(err.contains("NOT_FOUND") && code != 0, "{err}");
    let history = json(&srv, &["kv", "history", "cfg", "color"]);
    let seen: Vec<(&Value, &Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (&e["value"], &e["operation"]))
        .collect();
    assert_eq!(
        seen,
        [
            (&"red".into(), &"PUT".into()),
            (&"blue".into(), &"PUT".into()),
            (&"".into(), &"DEL".into())
        ]
    );
    let table = ok(&srv, &["kv", "history", "cfg", "color"]);
    assert!(
        table.lines().next().unwrap().starts_with("Revision"),
        "{table}"
    );
    assert!(table.contains("DEL"), "{table}");

    ok(&srv, &["kv", "del", "cfg", "size", "--purge"]);
    assert_eq!(
        json(&srv, &["kv", "history", "cfg", "size"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(json(&srv, &["kv", "ls", "cfg"]), serde_json::json!([]));

    let (_, refused) = fails(&srv, &["kv", "rm", "cfg"]);
    assert!(refused.contains("--force"), "{refused}");
    ok(&srv, &["kv", "rm", "cfg", "--force"]);
    let (_, gone) = fails(&srv, &["kv", "ls", "cfg"]);
    assert!(gone.contains("NOT_FOUND"), "{gone}");
}

#[test]
fn kv_watch_prints_current_values_then_changes() {
    let srv = start();
    ok(&srv, &["kv", "create", "live", "--history", "5"]);
    ok(&srv, &["kv", "put", "live", "color", "red"]);
    ok(&srv, &["kv", "put", "live", "color", "blue"]);
    let mut watch = command(&srv)
        .args(["--json", "kv", "watch", "live", ">", "--count", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        (&first["key"], &first["value"]),
        (&"color".into(), &"blue".into())
    );
    ok(&srv, &["kv", "del", "live", "color"]);
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        (&second["key"], &second["operation"]),
        (&"color".into(), &"DEL".into())
    );
    assert!(
        watch.wait().unwrap().success(),
        "exits after --count entries"
    );
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut watch.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("(current values done)"), "{stderr}");

    let history = ok(
        &srv,
        &[
            "kv",
            "watch",
            "live",
            "color",
            "--history",
            "--ignore-deletes",
            "--count",
            "2",
        ],
    );
    let values: Vec<&str> = history
        .lines()
        .map(|l| l.split("  ").nth(3).unwrap())
        .collect();
    assert_eq!(values, ["red", "blue"]);
    let (_, clash) = fails(
        &srv,
        &["kv", "watch", "live", "--history", "--updates-only"],
    );
    assert!(clash.contains("cannot be used with"), "{clash}");
}
