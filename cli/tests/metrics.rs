//! `natskit queue work --metrics-addr`: /metrics shows the worker's jobs, /healthz answers
//! while the process runs, /readyz only while the server is reachable.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// Ends the worker however the test ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` on `port`: the status code and the body.
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut conn = TcpStream::connect(("127.0.0.1", port))?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    conn.read_to_string(&mut response)?;
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_string();
    Ok((status, body))
}

/// Polls `GET path` until `done` holds for its answer (10 s at most).
fn until(port: u16, path: &str, done: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((status, body)) = get(port, path) {
            if done(status, &body) || Instant::now() > deadline {
                return (status, body);
            }
        }
        assert!(Instant::now() < deadline, "GET {path} never answered");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_worker_serves_metrics_healthz_and_readyz() {
    let mut srv = start();
    let (n, k) = (4, 2);
    for i in 0..n {
        json(
            &srv,
            &[
                "queue",
                "push",
                "metered",
                "Send",
                &format!(r#"{{"ok":{i}}}"#),
            ],
        );
    }
    for i in 0..k {
        json(
            &srv,
            &[
                "queue",
                "push",
                "metered",
                "Boom",
                &format!(r#"{{"no":{i}}}"#),
            ],
        );
    }
    let port = natskit::server::free_port().unwrap();
    let addr = format!("127.0.0.1:{port}");
    let worker = Running(
        command(&srv)
            .args([
                "queue",
                "work",
                "metered",
                "--exec",
                "grep -q '\"ok\"'",
                "--tries",
                "1",
            ])
            .args(["--sleep", "0.2", "--metrics-addr", &addr])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );

    let labels = "messaging_system=\"nats\",messaging_destination_name=\"metered\"";
    let processed = format!("natskit_queue_jobs_processed_total{{{labels},job_name=\"Send\"}} {n}");
    let (status, text) = until(port, "/metrics", |_, body| {
        body.lines().any(|l| l == processed)
    });
    assert_eq!(status, 200);
    for line in [
        processed.clone(),
        format!("natskit_queue_jobs_failed_total{{{labels},job_name=\"Boom\"}} {k}"),
        format!("messaging_process_duration_seconds_count{{{labels},job_name=\"Boom\"}} {k}"),
        format!("natskit_queue_job_wait_seconds_count{{{labels},job_name=\"Send\"}} {n}"),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
    assert!(
        text.contains("# TYPE natskit_queue_ready_jobs gauge"),
        "{text}"
    );
    assert_eq!(get(port, "/healthz").unwrap(), (200, "ok\n".into()));
    assert_eq!(get(port, "/readyz").unwrap(), (200, "ready\n".into()));

    srv.kill();
    let (status, body) = until(port, "/readyz", |_, body| body.contains("disconnected"));
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, "not ready: disconnected\n");
    assert_eq!(
        get(port, "/healthz").unwrap().0,
        200,
        "alive without a server"
    );
    let (_, text) = get(port, "/metrics").unwrap();
    assert!(
        text.contains(
            "nats_client_connection_state{messaging_system=\"nats\",state=\"disconnected\"} 1"
        ),
        "{text}"
    );

    drop(worker);
}

#[test]
fn an_address_that_cannot_be_listened_on_is_an_error() {
    let srv = start();
    let (code, stderr) = fails(
        &srv,
        &[
            "queue",
            "work",
            "q",
            "--exec",
            "true",
            "--metrics-addr",
            "256.0.0.1:1",
        ],
    );
    assert_eq!(code, 16, "{stderr}");
    assert!(stderr.contains("cannot listen on 256.0.0.1:1"), "{stderr}");
}
