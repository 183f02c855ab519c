//! The `natskit` binary against a real nats-server: table and `--json` output, exit codes,
//! confirmation, pub/sub/req/ping and the foreground server.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bare, command, fails, json, natskit, ok, start};
use natskit::{LocalServer, ServerOptions};
use serde_json::Value;

#[test]
fn stream_create_info_list_update() {
    let srv = start();
    let table = ok(
        &srv,
        &[
            "stream",
            "create",
            "ORDERS",
            "orders.>",
            "billing.*",
            "--storage",
            "memory",
            "--max-msgs",
            "100",
            "--max-age",
            "1h",
            "--description",
            "all orders",
        ],
    );
    assert!(table.contains("Name: ORDERS"), "{table}");
    assert!(table.contains("Max age: 1h"), "{table}");
    assert!(table.contains("Max messages: 100"), "{table}");

    ok(&srv, &["pub", "orders.new", "hello"]);
    ok(&srv, &["pub", "billing.paid", "again"]);
    let info = json(&srv, &["stream", "info", "ORDERS"]);
    assert_eq!(info["config"]["max_msgs"], 100);
    assert_eq!(info["config"]["max_age"], 3_600_000_000_000u64);
    assert_eq!(info["config"]["storage"], "memory");
    assert_eq!(info["config"]["description"], "all orders");
    assert_eq!(info["state"]["messages"], 2);

    let updated = json(
        &srv,
        &[
            "stream",
            "update",
            "ORDERS",
            "--max-msgs",
            "5",
            "--replicas",
            "1",
        ],
    );
    assert_eq!(updated["config"]["max_msgs"], 5);
    assert_eq!(updated["config"]["subjects"][1], "billing.*");

    ok(&srv, &["stream", "create", "EVENTS", "events.*"]);
    let list = ok(&srv, &["stream", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("Name") && lines[0].contains("Messages"));
    let orders = lines.iter().find(|l| l.starts_with("ORDERS")).unwrap();
    assert!(orders.contains("orders.>, billing.*") && orders.contains("memory"));
    assert!(list.contains("2 of 2 streams"));
    let page = json(&srv, &["stream", "list"]);
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let second = json(&srv, &["stream", "list", "--offset", "1"]);
    assert_eq!(second["offset"], 1);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
}

#[test]
fn destructive_commands_need_force_without_a_terminal() {
    let srv = start();
    ok(&srv, &["stream", "create", "P", "p.*"]);
    for i in 0..5 {
        ok(&srv, &["pub", &format!("p.{}", i % 2), "x"]);
    }
    let (code, err) = fails(&srv, &["stream", "purge", "P"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("INVALID_ARGUMENT") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(json(&srv, &["stream", "info", "P"])["state"]["messages"], 5);

    let purged = json(
        &srv,
        &["stream", "purge", "P", "--subject", "p.0", "--force"],
    );
    assert_eq!(purged["purged"], 3);
    let text = ok(&srv, &["stream", "purge", "P", "--keep", "1", "--force"]);
    assert!(text.contains("Purged 1 messages"), "{text}");

    assert!(!natskit(&srv, &["stream", "delete", "P"]).status.success());
    let deleted = json(&srv, &["stream", "delete", "P", "--force"]);
    assert_eq!(deleted["deleted"], true);
    let (code, err) = fails(&srv, &["stream", "info", "P"]);
    assert_eq!(code, 12);
    assert!(err.contains("NOT_FOUND") && err.contains("10059"), "{err}");
    let out = natskit(&srv, &["--json", "stream", "info", "P"]);
    let body: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["error"]["err_code"], 10059);
}

#[test]
fn consumer_create_list_info_delete() {
    let srv = start();
    ok(
        &srv,
        &["stream", "create", "C", "c.*", "--storage", "memory"],
    );
    for _ in 0..3 {
        ok(&srv, &["pub", "c.a", "x"]);
    }
    ok(&srv, &["pub", "c.b", "x"]);
    let info = json(
        &srv,
        &[
            "consumer",
            "create",
            "C",
            "worker",
            "--filter-subject",
            "c.a",
            "--ack-wait",
            "45s",
            "--max-deliver",
            "4",
            "--deliver-policy",
            "all",
            "--ack-policy",
            "explicit",
        ],
    );
    assert_eq!(info["config"]["filter_subject"], "c.a");
    assert_eq!(info["config"]["ack_wait"], 45_000_000_000u64);
    assert_eq!(info["config"]["max_deliver"], 4);
    assert_eq!(info["num_pending"], 3);

    ok(
        &srv,
        &["consumer", "create", "C", "all", "--deliver-policy", "new"],
    );
    let list = ok(&srv, &["consumer", "list", "C"]);
    let worker = list.lines().find(|l| l.starts_with("worker")).unwrap();
    let cells: Vec<&str> = worker.split_whitespace().collect();
    assert_eq!(cells[..5], ["worker", "c.a", "all", "explicit", "3"]);
    assert!(list.contains("2 of 2 consumers"));
    let page = json(&srv, &["consumer", "list", "C"]);
    assert_eq!(page["total"], 2);

    let text = ok(&srv, &["consumer", "info", "C", "worker"]);
    assert!(text.contains("Ack wait: 45s"), "{text}");
    assert!(text.contains("Pending: 3"), "{text}");

    assert!(!natskit(&srv, &["consumer", "delete", "C", "worker"])
        .status
        .success());
    ok(&srv, &["consumer", "delete", "C", "worker", "--force"]);
    let (code, err) = fails(&srv, &["consumer", "info", "C", "worker"]);
    assert_eq!(code, 12);
    assert!(err.contains("10014"), "{err}");
}

#[test]
fn jetstream_status_and_disabled_server() {
    let srv = start();
    ok(&srv, &["stream", "create", "S", "s"]);
    let text = ok(&srv, &["jetstream", "status"]);
    assert!(text.contains("JetStream: enabled"), "{text}");
    assert!(text.contains("Streams: 1"), "{text}");
    let status = json(&srv, &["jetstream", "status"]);
    assert_eq!(status["streams"], 1);

    let plain = LocalServer::with_options(ServerOptions::default()).unwrap();
    let (code, err) = fails(&plain, &["jetstream", "status"]);
    assert_eq!(code, 10);
    assert!(err.contains("JETSTREAM_NOT_ENABLED"), "{err}");
}

#[test]
fn pub_sub_with_headers_and_count() {
    let srv = start();
    let sub = common::started(
        &srv,
        &["--json", "sub", "greet.*", "--count", "2"],
        "Listening on greet.*",
    );
    let published = json(&srv, &["pub", "greet.a", "one", "--header", "X-Id: 7"]);
    assert_eq!(published["bytes"], 3);
    ok(&srv, &["pub", "greet.b", "two"]);
    let out = sub.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["subject"], "greet.a");
    assert_eq!(lines[0]["data"], "one");
    assert_eq!(lines[0]["headers"]["X-Id"][0], "7");
    assert_eq!(lines[1]["subject"], "greet.b");

    let (code, err) = fails(&srv, &["pub", "x", "y", "--header", "novalue"]);
    assert_eq!(code, 1);
    assert!(err.contains("Name:Value"), "{err}");
}

#[test]
fn request_reply_ping_and_no_responders() {
    let srv = start();
    let url = srv.url();
    let rt = natskit::runtime::runtime();
    let responder = rt.block_on(async {
        let client = natskit::connect(&url).await.unwrap();
        let mut sub = client.subscribe("svc.echo", None).await.unwrap();
        client.flush().await.unwrap();
        tokio::spawn(async move {
            while let Ok(Some(m)) = sub.next_timeout(None).await {
                let answer = format!("echo: {}", String::from_utf8_lossy(m.data()));
                m.respond(answer).await.unwrap();
            }
        });
        client
    });
    let reply = json(&srv, &["req", "svc.echo", "hi", "--timeout", "2s"]);
    assert_eq!(reply["data"], "echo: hi");
    let text = ok(&srv, &["req", "svc.echo", "there"]);
    assert_eq!(text.trim(), "echo: there");

    let (code, err) = fails(&srv, &["req", "nobody.home", "x", "--timeout", "1s"]);
    assert_eq!(code, 7);
    assert!(err.contains("NO_RESPONDERS"), "{err}");

    let ping = json(&srv, &["ping"]);
    assert!(ping["rtt_ms"].as_f64().unwrap() >= 0.0);
    assert!(ok(&srv, &["ping"]).starts_with("PONG from"));
    rt.block_on(responder.close()).unwrap();
}

#[test]
fn connection_errors_and_bad_config_exit_with_their_code() {
    let srv = start();
    let port = natskit::server::free_port().unwrap();
    let out = bare()
        .args(["ping"])
        .env("NATS_URL", format!("nats://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONNECT"));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natskit.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"connections": {{"main": {{"servers": ["{}"]}}}}}}"#,
            srv.url()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    assert!(ok(&srv, &["--config", config, "--connection", "main", "ping"]).starts_with("PONG"));
    let (code, err) = fails(&srv, &["--config", config, "--connection", "other", "ping"]);
    assert_eq!(code, 3);
    assert!(err.contains("other"), "{err}");
}

#[test]
fn server_runs_in_the_foreground_until_interrupted() {
    let port = natskit::server::free_port().unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut child = bare()
        .args([
            "--json",
            "server",
            "--port",
            &port.to_string(),
            "--jetstream-dir",
        ])
        .arg(store.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut announced = String::new();
    while !announced.trim_end().ends_with('}') {
        first.clear();
        assert!(
            stdout.read_line(&mut first).unwrap() > 0,
            "server exited early"
        );
        announced.push_str(&first);
    }
    let started: Value = serde_json::from_str(&announced).unwrap();
    assert_eq!(started["port"], port);

    let url = format!("nats://127.0.0.1:{port}");
    let available = natskit::runtime::block_on(async {
        let client = natskit::connect(&url).await.unwrap();
        client
            .jetstream()
            .create_stream(&serde_json::json!({"name": "KEPT", "subjects": ["kept"]}))
            .await
            .unwrap();
        client.jetstream().is_available().await
    })
    .unwrap();
    assert!(available);
    assert!(store.path().join("jetstream").exists());

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "natskit server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn a_closed_stdout_ends_the_command_without_a_panic() {
    let srv = start();
    let mut child = command(&srv)
        .args(["jetstream", "status"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
}

/// Runs `natskit ping` with `NATS_URL` set to `url`; returns the exit code, stdout and stderr.
fn ping_url(url: &str) -> (Option<i32>, String, String) {
    let out = bare()
        .args(["ping"])
        .env("NATS_URL", url)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn credentials_in_the_url_are_used_and_never_shown() {
    let srv = LocalServer::with_options(ServerOptions {
        user: Some(("bob".into(), "pw-right-1".into())),
        ..Default::default()
    })
    .unwrap();
    let (code, out, err) = ping_url(&srv.url().replace("nats://", "nats://bob:pw-right-1@"));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("bob:***@"), "{out}");
    assert!(!out.contains("pw-right-1"), "{out}");

    let (code, _, err) = ping_url(&srv.url().replace("nats://", "nats://bob:pw-S3CRET@"));
    assert_eq!(code, Some(5), "{err}");
    assert!(
        err.contains("AUTHORIZATION") && err.contains("\"bob\""),
        "{err}"
    );
    assert!(!err.contains("pw-S3CRET"), "{err}");

    let (code, _, err) = ping_url("nats://bob:pw-S3CRET@bad host:4222");
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("bob:***@bad host"), "{err}");
    assert!(!err.contains("pw-S3CRET"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natskit.toml");
    std::fs::write(
        &config,
        "servers = [\"nats://bob:pw-S3CRET@bad host:4222\"]\n",
    )
    .unwrap();
    let (code, err) = fails(&srv, &["--config", config.to_str().unwrap(), "ping"]);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("pw-S3CRET"), "{err}");

    let tokened = LocalServer::with_options(ServerOptions {
        token: Some("tok-in-url-7".into()),
        ..Default::default()
    })
    .unwrap();
    let (code, out, err) = ping_url(&tokened.url().replace("nats://", "nats://tok-in-url-7@"));
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("tok-in-url-7"), "{out}");
}

/// Runs `natskit <args>` on a terminal (`script` gives it a pty), types `answer` at its
/// prompt and returns its exit code and what the terminal showed.
fn on_a_terminal(srv: &LocalServer, answer: &str, args: &[&str]) -> (i32, String) {
    use std::io::Write;
    let line = format!("{} {}", env!("CARGO_BIN_EXE_natskit"), args.join(" "));
    let mut cmd = Command::new("script");
    common::hermetic(&mut cmd);
    let mut child = cmd
        .args(["-qec", &line, "/dev/null"])
        .env("NATS_URL", srv.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) gives the command a terminal");
    writeln!(child.stdin.take().unwrap(), "{answer}").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "no exit after the answer");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_destructive_command_on_a_terminal_asks_and_obeys_the_answer() {
    let srv = start();
    ok(&srv, &["stream", "create", "P", "p.*"]);
    let (code, shown) = on_a_terminal(&srv, "n", &["stream", "delete", "P"]);
    assert!(
        shown.contains("Really delete stream P with all its messages and consumers? [y/N]"),
        "{shown}"
    );
    assert!(shown.contains("aborted: not confirmed"), "{shown}");
    assert_eq!(code, 1);
    assert_eq!(json(&srv, &["stream", "info", "P"])["config"]["name"], "P");

    let (code, shown) = on_a_terminal(&srv, "y", &["stream", "delete", "P"]);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(fails(&srv, &["stream", "info", "P"]).0, 12);
}

#[test]
fn subject_authorization_and_timeout_errors_exit_with_their_code() {
    let srv = start();
    let (code, err) = fails(&srv, &["pub", "has space", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("INVALID_SUBJECT"), "{err}");

    // A subscriber that never answers: the request times out instead of NO_RESPONDERS.
    let rt = natskit::runtime::runtime();
    let (_silent, _sub) = rt.block_on(async {
        let client = natskit::connect(&srv.url()).await.unwrap();
        let sub = client.subscribe("silent", None).await.unwrap();
        client.flush().await.unwrap();
        (client, sub)
    });
    let started = Instant::now();
    let (code, err) = fails(&srv, &["req", "silent", "x", "--timeout", "300ms"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("TIMEOUT"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let guarded = LocalServer::with_options(ServerOptions {
        user: Some(("bob".into(), "s3cret".into())),
        ..Default::default()
    })
    .unwrap();
    let out = bare()
        .arg("ping")
        .env("NATS_URL", guarded.url())
        .env("NATS_USER", "bob")
        .env("NATS_PASSWORD", "wrong")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("AUTHORIZATION"), "{err}");
}

#[test]
fn server_without_a_port_picks_a_free_one() {
    let mut child = bare()
        .args(["--json", "server"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut announced = String::new();
    while !announced.trim_end().ends_with('}') {
        assert!(
            stdout.read_line(&mut announced).unwrap() > 0,
            "server exited early"
        );
    }
    let started: Value = serde_json::from_str(&announced).unwrap();
    let port = started["port"].as_u64().expect("a port");
    assert!(port > 0 && port != 4222, "{started}");
    assert_eq!(started["url"], format!("nats://127.0.0.1:{port}"));
    let url = started["url"].as_str().unwrap().to_string();
    let connected = natskit::runtime::block_on(async { natskit::connect(&url).await.is_ok() });
    assert!(connected.unwrap(), "nothing listens on {url}");
    // SIGINT, so natskit stops the nats-server it started.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "natskit server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn connection_options_come_from_the_config_file() {
    let srv = start();
    let rt = natskit::runtime::runtime();
    let url = srv.url();
    let (responder, seen) = rt.block_on(async {
        let client = natskit::connect(&url).await.unwrap();
        let mut sub = client.subscribe("opts.svc", None).await.unwrap();
        client.flush().await.unwrap();
        let seen = tokio::spawn(async move {
            let m = sub.next_timeout(None).await.unwrap().unwrap();
            m.respond("pong").await.unwrap();
            m.reply().unwrap().to_string()
        });
        (client, seen)
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natskit.toml");
    std::fs::write(
        &config,
        format!("servers = \"{url}\"\ninbox_prefix = \"_CLI.inbox\"\nno_echo = true\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    assert_eq!(
        ok(&srv, &["--config", config, "req", "opts.svc", "x"]).trim(),
        "pong"
    );
    let reply = rt.block_on(seen).unwrap();
    assert!(reply.starts_with("_CLI.inbox."), "{reply}");
    rt.block_on(responder.close()).unwrap();

    let port = natskit::server::free_port().unwrap();
    let dead = dir.path().join("dead.toml");
    std::fs::write(
        &dead,
        format!(
            "servers = \"nats://127.0.0.1:{port}\"\nretry_on_initial_connect = true\n\
             reconnect = {{ max_attempts = 2, delay = 0.01 }}\n"
        ),
    )
    .unwrap();
    let (code, err) = fails(&srv, &["--config", dead.to_str().unwrap(), "ping"]);
    assert_eq!(code, 4);
    assert!(err.contains("gave up after 3 connect attempts"), "{err}");
}
