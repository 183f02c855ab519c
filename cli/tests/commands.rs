//! `reply`, `stream create --definition` and its flags, `stream get|view`, `consumer next`
//! and push consumers, end to end against a real server.

mod common;

use std::process::Child;

use common::{fails, json, ok, start};
use natskit::LocalServer;
use serde_json::Value;

/// Starts `natskit reply ...` and waits until it listens.
fn replier(srv: &LocalServer, args: &[&str]) -> Child {
    common::started(srv, &[&["reply"], args].concat(), "Answering requests on")
}

#[test]
fn reply_answers_with_a_body_a_command_or_an_echo() {
    let srv = start();
    let mut fixed = replier(&srv, &["svc.fixed", "answer {{Count}}", "--count", "2"]);
    assert_eq!(ok(&srv, &["req", "svc.fixed", "a"]).trim(), "answer 1");
    assert_eq!(ok(&srv, &["req", "svc.fixed", "b"]).trim(), "answer 2");
    assert!(fixed.wait().unwrap().success(), "exits after --count");

    let mut upper = replier(
        &srv,
        &["svc.upper", "--command", "tr a-z A-Z", "--count", "1"],
    );
    assert_eq!(ok(&srv, &["req", "svc.upper", "shout"]).trim(), "SHOUT");
    assert!(upper.wait().unwrap().success());

    let mut echo = replier(&srv, &["svc.echo2", "--count", "1"]);
    let reply = json(&srv, &["req", "svc.echo2", "same"]);
    assert_eq!(reply["data"], "same");
    assert!(echo.wait().unwrap().success());
}

#[test]
fn stream_create_from_a_definition_and_flags_then_get_and_view() {
    let srv = start();
    let dir = tempfile::tempdir().unwrap();
    let definition = dir.path().join("orders.json");
    std::fs::write(
        &definition,
        r#"{"subjects": ["orders.>"], "max_msgs": 100, "storage": "memory"}"#,
    )
    .unwrap();
    let info = json(
        &srv,
        &[
            "stream",
            "create",
            "ORDERS",
            "--definition",
            definition.to_str().unwrap(),
            "--discard",
            "new",
            "--dupe-window",
            "30s",
            "--allow-direct",
            "--allow-msg-ttl",
        ],
    );
    let c = &info["config"];
    assert_eq!(c["subjects"][0], "orders.>");
    assert_eq!(c["max_msgs"], 100);
    assert_eq!(c["storage"], "memory");
    assert_eq!(c["discard"], "new");
    assert_eq!(c["duplicate_window"], 30_000_000_000u64);
    assert_eq!(c["allow_direct"], true);
    assert_eq!(c["allow_msg_ttl"], true);

    for (subject, body) in [
        ("orders.a", "one"),
        ("orders.b", "two"),
        ("orders.a", "three"),
    ] {
        ok(&srv, &["pub", subject, body]);
    }
    let second = json(&srv, &["stream", "get", "ORDERS", "2"]);
    assert_eq!(
        (second["sequence"].as_u64(), second["data"].as_str()),
        (Some(2), Some("two"))
    );
    let last_a = json(&srv, &["stream", "get", "ORDERS", "--last-for", "orders.a"]);
    assert_eq!(last_a["sequence"], 3);
    assert_eq!(last_a["data"], "three");
    let (code, _) = fails(&srv, &["stream", "get", "ORDERS", "9"]);
    assert_eq!(code, 12, "NOT_FOUND");

    let out = ok(&srv, &["--json", "stream", "view", "ORDERS", "--from", "2"]);
    let seqs: Vec<u64> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["sequence"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [2, 3]);
    let text = ok(&srv, &["stream", "view", "ORDERS", "--count", "1"]);
    assert!(
        text.starts_with("[1] orders.a ") && text.contains("\none\n"),
        "{text}"
    );

    // Mirror and sources.
    let mirror = json(&srv, &["stream", "create", "COPY", "--mirror", "ORDERS"]);
    assert_eq!(mirror["config"]["mirror"]["name"], "ORDERS");
    let merged = json(
        &srv,
        &["stream", "create", "ALL", "all.>", "--source", "ORDERS"],
    );
    assert_eq!(merged["config"]["sources"][0]["name"], "ORDERS");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[1, 2]").unwrap();
    let (code, err) = fails(
        &srv,
        &[
            "stream",
            "create",
            "BAD",
            "--definition",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 3, "{err}");
}

#[test]
fn consumer_next_acks_unless_told_not_to_and_push_consumers_are_created() {
    let srv = start();
    ok(&srv, &["stream", "create", "JOBS", "jobs.>"]);
    ok(
        &srv,
        &["consumer", "create", "JOBS", "w", "--ack-wait", "1s"],
    );
    for body in ["a", "b", "c"] {
        ok(&srv, &["pub", "jobs.x", body]);
    }
    let peek = ok(
        &srv,
        &["--json", "consumer", "next", "JOBS", "w", "--no-ack"],
    );
    let peeked: Value = serde_json::from_str(peek.trim()).unwrap();
    assert_eq!(
        (peeked["data"].as_str(), peeked["acked"].as_bool()),
        (Some("a"), Some(false))
    );

    // A fetch takes what is there: "a" waits out its 1 s ack wait, then comes a second time.
    let out = ok(
        &srv,
        &["--json", "consumer", "next", "JOBS", "w", "--count", "3"],
    );
    let bodies: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["data"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(bodies, ["b", "c"], "{out}");
    let again = ok(
        &srv,
        &["--json", "consumer", "next", "JOBS", "w", "--timeout", "3s"],
    );
    let again: Value = serde_json::from_str(again.trim()).unwrap();
    assert_eq!(again["data"], "a");
    assert_eq!(again["metadata"]["delivered"], 2);
    let info = json(&srv, &["consumer", "info", "JOBS", "w"]);
    assert_eq!(info["num_ack_pending"], 0);
    assert_eq!(info["num_pending"], 0);

    let (code, _) = fails(
        &srv,
        &["consumer", "next", "JOBS", "w", "--timeout", "200ms"],
    );
    assert_eq!(code, 6, "TIMEOUT when nothing comes");

    let push = json(
        &srv,
        &[
            "consumer",
            "create",
            "JOBS",
            "p",
            "--deliver-subject",
            "deliver.p",
            "--deliver-group",
            "g",
            "--flow-control",
            "--heartbeat",
            "2s",
        ],
    );
    let c = &push["config"];
    assert_eq!(c["deliver_subject"], "deliver.p");
    assert_eq!(c["deliver_group"], "g");
    assert_eq!(c["flow_control"], true);
    assert_eq!(c["idle_heartbeat"], 2_000_000_000u64);
}

#[test]
fn bench_reports_rates_and_ordered_latency_percentiles() {
    let srv = start();
    let published = json(
        &srv,
        &["bench", "pub", "b.pub", "--msgs", "2000", "--size", "16"],
    );
    assert_eq!(
        (published["kind"].as_str(), published["msgs"].as_u64()),
        (Some("pub"), Some(2000))
    );
    assert!(
        published["msgs_per_sec"].as_f64().unwrap() > 0.0,
        "{published}"
    );

    let sub = common::started(
        &srv,
        &["--json", "bench", "sub", "b.sub", "--msgs", "500"],
        "Waiting for 500 messages",
    );
    json(
        &srv,
        &["bench", "pub", "b.sub", "--msgs", "500", "--size", "8"],
    );
    let received: Value = serde_json::from_slice(&sub.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(
        (received["msgs"].as_u64(), received["size"].as_u64()),
        (Some(500), Some(8))
    );

    for args in [
        vec!["bench", "request", "b.req", "--reply", "--msgs", "300"],
        vec!["bench", "js", "b.js", "--msgs", "300"],
    ] {
        let r = json(&srv, &args);
        assert_eq!(r["msgs"], 300, "{r}");
        let l = &r["latency_us"];
        let p = |k: &str| l[k].as_f64().unwrap();
        assert!(
            0.0 < p("p50") && p("p50") <= p("p90") && p("p90") <= p("p99") && p("p99") <= p("max"),
            "{r}"
        );
    }
    let piped = json(
        &srv,
        &["bench", "js", "b.pipe", "--msgs", "1000", "--pipelined"],
    );
    assert_eq!(
        (piped["kind"].as_str(), piped["msgs"].as_u64()),
        (Some("js-pipelined"), Some(1000))
    );
    // The temporary streams are gone.
    let streams = json(&srv, &["stream", "list"]);
    assert_eq!(streams["total"], 0, "{streams}");

    let (code, _) = fails(&srv, &["bench", "request", "nobody", "--msgs", "1"]);
    assert_eq!(code, 7, "NO_RESPONDERS without --reply");
    let (code, _) = fails(&srv, &["bench", "pub", "x", "--msgs", "0"]);
    assert_eq!(code, 1, "INVALID_ARGUMENT");
}

/// Runs `natskit health ...` against `srv`; returns the exit code and stdout.
fn health(srv: &LocalServer, args: &[&str]) -> (i32, String) {
    let out = common::natskit(srv, &[&["health"], args].concat());
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn health_exits_with_nagios_codes_and_prints_json_and_prometheus() {
    let srv = start();
    let (code, text) = health(&srv, &["--jetstream"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("OK: connection nats://127.0.0.1:"),
        "{text}"
    );

    // A stream that is missing is CRITICAL; one that exists is OK.
    ok(&srv, &["stream", "create", "LAGGY", "laggy.>"]);
    ok(&srv, &["consumer", "create", "LAGGY", "reader"]);
    let (code, text) = health(&srv, &["--stream", "LAGGY", "--stream", "GONE"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.starts_with("CRITICAL:") && text.contains("stream:GONE NOT_FOUND"),
        "{text}"
    );

    // Consumer lag past a warning threshold is WARNING, past a critical one CRITICAL.
    for i in 0..5 {
        ok(&srv, &["pub", "laggy.x", &i.to_string()]);
    }
    let (code, text) = health(&srv, &["--consumer", "LAGGY:reader", "--lag-warn", "3"]);
    assert_eq!(code, 1, "{text}");
    let (code, _) = health(
        &srv,
        &[
            "--consumer",
            "LAGGY:reader",
            "--lag-warn",
            "3",
            "--lag-crit",
            "4",
        ],
    );
    assert_eq!(code, 2);
    let (code, text) = health(&srv, &["--consumer", "LAGGY:reader", "--lag-warn", "5"]);
    assert_eq!(code, 0, "{text}");

    // A queue whose oldest job waited longer than --age-warn is WARNING.
    json(&srv, &["queue", "push", "mail", "Send", "{}"]);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let (code, out) = health(
        &srv,
        &["--queue", "mail", "--age-warn", "1s", "--format", "json"],
    );
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["status"], "WARNING");
    let queue = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "queue:mail")
        .unwrap();
    assert!(queue["age"].as_f64().unwrap() > 1.0, "{report}");

    let (_, text) = health(&srv, &["--stream", "LAGGY", "--format", "prometheus"]);
    assert!(
        text.contains("natskit_health_status{check=\"stream:LAGGY\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE natskit_health_rtt_seconds gauge"),
        "{text}"
    );

    // A server that is down is CRITICAL; bad options are UNKNOWN.
    let port = natskit::server::free_port().unwrap();
    let down = common::bare()
        .args(["health", "-s", &format!("nats://127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&down.stdout).starts_with("CRITICAL: connection"));
    let (code, _) = health(&srv, &["--consumer", "no-colon"]);
    assert_eq!(code, 3);
}
