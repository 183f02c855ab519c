//! `natskit stream view --follow` against a real nats-server: an ordered consumer prints the
//! stored messages in order, then new ones as they are stored, only on the subjects asked for.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{command, ok, start};
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
