//! Ordered reading and push consumers from the command line, against a real nats-server:
//! `stream view --follow` (an ordered consumer) and `consumer next` on a push consumer.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{command, fails, json, ok, start};
use serde_json::Value;

#[test]
fn stream_view_follow_prints_stored_then_new_messages_in_order() {
    let srv = start();
    ok(
        &srv,
        &["stream", "create", "EV", "ev.*", "--storage", "memory"],
    );
    for (subject, body) in [("ev.a", "1"), ("ev.b", "2"), ("ev.a", "3")] {
        ok(&srv, &["pub", subject, body]);
    }
    let mut follow = command(&srv)
        .args([
            "--json",
            "stream",
            "view",
            "EV",
            "--follow",
            "--subject",
            "ev.a",
            "--count",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    assert_eq!(
        (next()["sequence"].as_u64(), next()["sequence"].as_u64()),
        (Some(1), Some(3))
    );
    ok(&srv, &["pub", "ev.b", "skipped"]);
    ok(&srv, &["pub", "ev.a", "new"]);
    let last = next();
    assert_eq!(
        (last["sequence"].as_u64(), last["subject"].as_str()),
        (Some(5), Some("ev.a"))
    );
    assert!(
        follow.wait().unwrap().success(),
        "ends after --count messages"
    );
}

#[test]
fn consumer_next_takes_and_acks_what_a_push_consumer_delivers() {
    let srv = start();
    ok(
        &srv,
        &["stream", "create", "PJ", "pj", "--storage", "memory"],
    );
    ok(
        &srv,
        &[
            "consumer",
            "create",
            "PJ",
            "p",
            "--deliver-subject",
            "deliver.pj",
            "--flow-control",
            "--heartbeat",
            "1s",
        ],
    );
    for body in ["a", "b", "c"] {
        ok(&srv, &["pub", "pj", body]);
    }
    let out = ok(
        &srv,
        &["--json", "consumer", "next", "PJ", "p", "--count", "3"],
    );
    let seqs: Vec<(u64, bool)> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|m| {
            (
                m["metadata"]["stream_seq"].as_u64().unwrap(),
                m["acked"] == true,
            )
        })
        .collect();
    assert_eq!(seqs, [(1, true), (2, true), (3, true)]);
    let (code, _) = fails(&srv, &["consumer", "next", "PJ", "p", "--timeout", "300ms"]);
    assert_eq!(code, 6, "TIMEOUT: nothing left");
    let info = json(&srv, &["consumer", "info", "PJ", "p"]);
    assert_eq!(
        (
            info["num_pending"].as_u64(),
            info["num_ack_pending"].as_u64()
        ),
        (Some(0), Some(0))
    );
}
