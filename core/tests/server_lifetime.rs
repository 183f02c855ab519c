//! A `LocalServer` dies with the process that started it, even one killed with SIGKILL,
//! and not before: not when the thread that started it ends.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use natskit::LocalServer;

/// True while `pid` runs (a zombie waiting for its reaper counts as gone).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// Waits up to `within` for `pid` to end.
fn ends_within(pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Run by `a_server_dies_with_a_killed_process` in a child process: starts a server from
/// a thread that ends, prints its pid and waits to be killed.
#[test]
#[ignore = "helper: run by a_server_dies_with_a_killed_process"]
fn helper_start_a_server_and_wait() {
    if std::env::var_os("NATSKIT_LIFETIME_HELPER").is_none() {
        return;
    }
    let server = std::thread::spawn(|| LocalServer::start().unwrap())
        .join()
        .unwrap();
    println!("server pid {}", server.pid().unwrap());
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_server_outlives_the_thread_that_started_it() {
    let server = std::thread::spawn(|| LocalServer::start().unwrap())
        .join()
        .unwrap();
    let pid = server.pid().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(running(pid), "the server died with its starting thread");
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.port())).is_ok());
    server.stop();
    assert!(ends_within(pid, Duration::from_secs(2)));
}

#[test]
fn a_server_dies_with_a_killed_process() {
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_start_a_server_and_wait",
            "--ignored",
            "--nocapture",
        ])
        .env("NATSKIT_LIFETIME_HELPER", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(helper.stdout.take().unwrap()).lines();
    let pid: u32 = lines
        .find_map(|line| line.ok()?.strip_prefix("server pid ")?.parse().ok())
        .expect("the helper prints its server's pid");
    assert!(running(pid));
    helper.kill().unwrap();
    helper.wait().unwrap();
    assert!(
        ends_within(pid, Duration::from_secs(2)),
        "nats-server {pid} outlived the killed process"
    );
}
