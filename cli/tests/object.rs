//! `natskit object` against a real nats-server: add, put a file and stdin, get to a file and
//! stdout, ls, info, watch, del and seal, with the digest checked.

mod common;

use std::io::Write;
use std::process::Stdio;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use common::{command, fails, json, ok, start};

fn digest(data: &[u8]) -> String {
    let sha = ring::digest::digest(&ring::digest::SHA256, data);
    format!("SHA-256={}", URL_SAFE.encode(sha))
}

#[test]
fn object_add_put_get_ls_info_watch_del_and_seal() {
    let srv = start();
    let dir = tempfile::tempdir().unwrap();
    let added = json(
        &srv,
        &[
            "object",
            "add",
            "files",
            "--ttl",
            "1h",
            "--storage",
            "memory",
            "--description",
            "cli",
        ],
    );
    assert_eq!(added["max_age"], 3_600_000_000_000u64);
    assert_eq!(json(&srv, &["object", "ls"]), serde_json::json!(["files"]));

    // 400 KiB: four chunks.
    let data: Vec<u8> = (0..400 * 1024u32).map(|i| (i % 251) as u8).collect();
    let source = dir.path().join("report.bin");
    std::fs::write(&source, &data).unwrap();
    let put = json(
        &srv,
        &[
            "object",
            "put",
            "files",
            source.to_str().unwrap(),
            "-H",
            "X-Kind:bin",
        ],
    );
    assert_eq!(
        (&put["name"], &put["size"], &put["chunks"]),
        (&"report.bin".into(), &(400 * 1024).into(), &4.into())
    );
    assert_eq!(put["digest"], digest(&data));
    assert_eq!(put["headers"], serde_json::json!({"X-Kind": ["bin"]}));

    let target = dir.path().join("copy.bin");
    let got = json(
        &srv,
        &[
            "object",
            "get",
            "files",
            "report.bin",
            "-O",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(got["digest"], digest(&data));
    assert!(
        std::fs::read(&target).unwrap() == data,
        "the file read back differs"
    );

    let mut child = command(&srv)
        .args(["object", "put", "files", "-", "--name", "notes.txt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin")
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        ok(&srv, &["object", "get", "files", "notes.txt", "-O", "-"]),
        "from stdin"
    );

    let listed = json(&srv, &["object", "ls", "files"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["notes.txt", "report.bin"]);
    assert!(ok(&srv, &["object", "ls", "files"]).contains("report.bin"));
    let info = json(&srv, &["object", "info", "files", "report.bin"]);
    assert_eq!(info["size"], 400 * 1024);
    assert!(ok(&srv, &["object", "info", "files"]).contains("Sealed: false"));

    let watched = ok(
        &srv,
        &["--json", "object", "watch", "files", "--count", "2"],
    );
    let watched: Vec<serde_json::Value> = watched
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = watched
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["report.bin", "notes.txt"],
        "in the order they were put"
    );

    let (_, refused) = fails(&srv, &["object", "del", "files", "notes.txt"]);
    assert!(refused.contains("--force"), "{refused}");
    ok(&srv, &["object", "rm", "files", "notes.txt", "--force"]);
    let (code, missing) = fails(&srv, &["object", "get", "files", "notes.txt", "-O", "-"]);
    assert!(missing.contains("NOT_FOUND") && code != 0, "{missing}");
    let (_, missing) = fails(&srv, &["object", "info", "nobucket"]);
    assert!(missing.contains("NOT_FOUND"), "{missing}");

    ok(&srv, &["object", "seal", "files", "-f"]);
    assert!(ok(&srv, &["object", "info", "files"]).contains("Sealed: true"));
    let (_, sealed) = fails(&srv, &["object", "put", "files", source.to_str().unwrap()]);
    assert!(
        sealed.contains("INVALID_ARGUMENT") && sealed.contains("sealed"),
        "{sealed}"
    );

    ok(&srv, &["object", "del", "files", "-f"]);
    assert_eq!(json(&srv, &["object", "ls"]), serde_json::json!([]));
}
