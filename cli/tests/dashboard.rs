//! `natskit dashboard` against a real nats-server, over plain HTTP: the page and its JSON
//! state, live updates (server-sent events), retry and forget, and the access rules (a token
//! off loopback, loopback host names, CSRF and same-origin checks on actions, read-only).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{command, fails, json, ok, start};
use natskit::LocalServer;
use serde_json::Value;

/// A running dashboard; SIGTERM on drop.
struct Dashboard {
    child: Child,
    host: String,
}

impl Dashboard {
    fn start(srv: &LocalServer, extra: &[&str]) -> Dashboard {
        Dashboard::start_with_env(srv, extra, &[])
    }

    fn start_with_env(srv: &LocalServer, extra: &[&str], env: &[(&str, &str)]) -> Dashboard {
        let mut args = vec!["--json", "dashboard", "--interval", "200ms"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--listen") {
            args.extend_from_slice(&["--listen", "127.0.0.1:0"]);
        }
        let mut cmd = command(srv);
        cmd.env_remove("NATSKIT_DASHBOARD_TOKEN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start natskit dashboard");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started: Value = serde_json::from_str(&line).expect("a JSON line with the url");
        let url = started["url"].as_str().unwrap();
        let port = url.trim_end_matches('/').rsplit(':').next().unwrap();
        Dashboard {
            child,
            host: format!("127.0.0.1:{port}"),
        }
    }

    /// Sends one request (`Host` is the dashboard's unless `headers` set one).
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut stream = TcpStream::connect(&self.host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut text =
            format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            text.push_str(&format!("Host: {}\r\n", self.host));
        }
        for (k, v) in headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
        stream.write_all(text.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Response::parse(&String::from_utf8(raw).unwrap())
    }

    fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[])
    }

    /// The latest state, polled until `done` holds (overviews come every 200 ms).
    fn state_until(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let state = self.get("/api/state").json();
            if done(&state) {
                return state;
            }
            assert!(Instant::now() < deadline, "no state with {what}: {state}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The CSRF token of the page.
    fn csrf(&self) -> String {
        let page = self.get("/").body;
        let start = page
            .find(r#"name="csrf-token" content=""#)
            .expect("csrf meta")
            + 27;
        page[start..start + 64].to_string()
    }

    /// A same-origin action, as the page sends it.
    fn act(&self, path: &str) -> Response {
        let csrf = self.csrf();
        let origin = format!("http://{}", self.host);
        self.request(
            "POST",
            path,
            &[
                ("X-CSRF-Token", &csrf),
                ("Origin", &origin),
                ("Sec-Fetch-Site", "same-origin"),
            ],
        )
    }

    /// SIGTERM; the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "SIGTERM did not stop the dashboard"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn parse(raw: &str) -> Response {
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Response {
            status,
            headers,
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body))
    }

    /// The error code of a refusal.
    fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap().to_string()
    }
}

/// Three jobs on `mail`, the first failed for good; returns the failed job's id.
fn workload(srv: &LocalServer) -> String {
    for n in 0..3 {
        ok(
            srv,
            &[
                "queue",
                "push",
                "mail",
                "SendMail",
                &format!("{{\"n\":{n}}}"),
            ],
        );
    }
    ok(
        srv,
        &[
            "queue",
            "work",
            "mail",
            "--exec",
            "echo 'mailbox full' >&2; exit 3",
            "--once",
            "--tries",
            "1",
        ],
    );
    let failed = json(srv, &["queue", "failed"]);
    failed[0]["id"].as_str().unwrap().to_string()
}

fn queue<'a>(state: &'a Value, name: &str) -> Option<&'a Value> {
    state["overview"]["queues"]
        .as_array()?
        .iter()
        .find(|q| q["name"] == name)
}

fn failed_ids(state: &Value) -> Vec<String> {
    state["overview"]["failed"]
        .as_array()
        .map(|jobs| {
            jobs.iter()
                .map(|j| j["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_page_the_state_and_live_updates() {
    let srv = start();
    let failed = workload(&srv);
    ok(&srv, &["stream", "create", "ORDERS", "orders.>"]);
    let d = Dashboard::start(&srv, &[]);

    let page = d.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(page.body.contains("<title>natskit dashboard</title>"));
    assert!(page
        .body
        .contains(r#"<meta name="read-only" content="false">"#));
    assert_eq!(d.csrf().len(), 64);
    assert!(!page.body.contains("{{csrf}}"));
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'self'"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    for (path, kind) in [
        ("/assets/dashboard.js", "text/javascript"),
        ("/assets/dashboard.css", "text/css"),
    ] {
        let asset = d.get(path);
        assert_eq!(asset.status, 200, "{path}");
        assert!(
            asset.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        let text = asset.body.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{path} loads nothing from elsewhere"
        );
    }
    assert_eq!(d.get("/nothing").status, 404);

    // The server counts an ack just after it: poll until the numbers are all there.
    let numbers = [
        ("ready", 2),
        ("reserved", 0),
        ("delayed", 0),
        ("failed", 1),
        ("finished", 1),
    ];
    let state = d.state_until("mail's numbers", |s| {
        queue(s, "mail").is_some_and(|q| numbers.iter().all(|(k, v)| q[*k] == *v))
    });
    assert_eq!(state["error"], Value::Null);
    assert_eq!(state["read_only"], false);
    let mail = queue(&state, "mail").unwrap();
    assert_eq!(mail["oldest"]["job"], "SendMail");
    assert_eq!(failed_ids(&state), [failed.as_str()]);
    let job = &state["overview"]["failed"][0];
    assert_eq!(
        (job["exception"].as_str(), job["message"].as_str()),
        (Some("CommandFailed"), Some("mailbox full"))
    );
    assert_eq!(state["overview"]["failed_total"], 1);
    let orders = state["overview"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ORDERS");
    assert_eq!(orders.unwrap()["subjects"][0], "orders.>");
    assert_eq!(state["overview"]["connection"]["state"], "connected");
    assert_eq!(
        state["overview"]["connection"]["server"]["port"],
        srv.port()
    );

    // Live: the first event is the state now; a push shows in a later one.
    let mut events = TcpStream::connect(&d.host).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        events,
        "GET /api/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        d.host
    )
    .unwrap();
    let mut lines = BufReader::new(events).lines();
    let mut next_state = || loop {
        let line = lines.next().expect("an event").unwrap();
        if let Some(data) = line.strip_prefix("data: ") {
            return serde_json::from_str::<Value>(data).unwrap();
        }
    };
    assert_eq!(queue(&next_state(), "mail").unwrap()["ready"], 2);
    ok(&srv, &["queue", "push", "mail", "SendMail", "{}"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while queue(&next_state(), "mail").unwrap()["ready"] != 3 {
        assert!(
            Instant::now() < deadline,
            "the push never showed in an event"
        );
    }

    // Throughput: deliveries finished since the dashboard started, and no failures.
    ok(
        &srv,
        &[
            "queue",
            "work",
            "mail",
            "--exec",
            "cat >/dev/null",
            "--stop-when-empty",
            "--sleep",
            "0.2",
        ],
    );
    let state = d.state_until("3 finished", |s| {
        s["history"]["queues"]["mail"]["finished"] == 3
    });
    assert_eq!(state["history"]["queues"]["mail"]["failed"], 0);
    assert_eq!(state["history"]["window"], 900.0);
    let points = state["history"]["points"].as_array().unwrap();
    assert_eq!(
        points
            .iter()
            .map(|p| p["finished"].as_u64().unwrap())
            .sum::<u64>(),
        3
    );

    assert!(
        d.stop().success(),
        "SIGTERM stops it cleanly, with a page's events open"
    );
}

#[test]
fn retry_and_forget_need_the_csrf_token_and_the_same_origin() {
    let srv = start();
    let failed = workload(&srv);
    ok(&srv, &["queue", "push", "mail", "SendMail", "{}"]);
    ok(
        &srv,
        &[
            "queue", "work", "mail", "--exec", "exit 3", "--once", "--tries", "1",
        ],
    );
    let d = Dashboard::start(&srv, &[]);
    let retry = format!("/api/failed/{failed}/retry");
    let csrf = d.csrf();
    let origin = format!("http://{}", d.host);
    let wrong = "0".repeat(64);

    for (why, headers) in [
        ("no CSRF token", vec![("Origin", origin.as_str())]),
        ("a wrong CSRF token", vec![("X-CSRF-Token", wrong.as_str())]),
        (
            "another origin",
            vec![
                ("X-CSRF-Token", csrf.as_str()),
                ("Origin", "http://evil.example"),
            ],
        ),
        (
            "a cross-site fetch",
            vec![
                ("X-CSRF-Token", csrf.as_str()),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        ),
    ] {
        let refused = d.request("POST", &retry, &headers);
        assert_eq!(
            (refused.status, refused.code()),
            (403, "AUTHORIZATION".into()),
            "{why}"
        );
    }
    assert_eq!(d.get(&retry).status, 405, "actions are POSTs");
    assert_eq!(
        json(&srv, &["queue", "failed"]).as_array().unwrap().len(),
        2,
        "nothing retried yet"
    );

    let done = d.act(&retry);
    assert_eq!(
        (done.status, done.json()["retried"][0].as_str()),
        (200, Some(failed.as_str()))
    );
    let state = d.state_until("the retried job gone", |s| !failed_ids(s).contains(&failed));
    assert_eq!(
        queue(&state, "mail").unwrap()["ready"],
        3,
        "back on its queue"
    );

    let other = failed_ids(&state)[0].clone();
    let forgot = d.act(&format!("/api/failed/{other}/forget"));
    assert_eq!(
        (forgot.status, forgot.json()["forgotten"].as_bool()),
        (200, Some(true))
    );
    d.state_until("no failed job", |s| {
        failed_ids(s).is_empty() && s["overview"]["failed_total"] == 0
    });
    let missing = d.act(&format!("/api/failed/{other}/forget"));
    assert_eq!((missing.status, missing.code()), (404, "NOT_FOUND".into()));
    let missing = d.act(&format!("/api/failed/{other}/retry"));
    assert_eq!((missing.status, missing.code()), (404, "NOT_FOUND".into()));
}

#[test]
fn read_only_shows_everything_and_refuses_actions() {
    let srv = start();
    let failed = workload(&srv);
    let d = Dashboard::start(&srv, &["--read-only"]);
    assert!(d
        .get("/")
        .body
        .contains(r#"<meta name="read-only" content="true">"#));
    let state = d.state_until("the failed job", |s| failed_ids(s) == [failed.as_str()]);
    assert_eq!(state["read_only"], true);
    for action in ["retry", "forget"] {
        let refused = d.act(&format!("/api/failed/{failed}/{action}"));
        assert_eq!(
            (refused.status, refused.code()),
            (403, "READ_ONLY".into()),
            "{action}"
        );
    }
    assert_eq!(
        json(&srv, &["queue", "failed"])[0]["id"],
        failed.as_str(),
        "still failed"
    );
}

#[test]
fn off_loopback_a_token_is_required_and_checked_on_every_request() {
    let srv = start();
    let (code, stderr) = fails(&srv, &["dashboard", "--listen", "0.0.0.0:0"]);
    assert_eq!(code, 1, "INVALID_ARGUMENT: {stderr}");
    assert!(stderr.contains("--dashboard-token"), "{stderr}");

    let token = "dash-s3cret";
    let d = Dashboard::start(&srv, &["--listen", "0.0.0.0:0", "--dashboard-token", token]);
    for path in ["/", "/api/state", "/api/events", "/assets/dashboard.js"] {
        let refused = d.get(path);
        assert_eq!(refused.status, 401, "{path}");
        assert!(
            refused
                .header("www-authenticate")
                .unwrap()
                .starts_with("Basic"),
            "{path}"
        );
        assert!(!refused.body.contains(token));
    }
    let wrong = d.request(
        "GET",
        "/api/state",
        &[("Authorization", "Bearer dash-s3cre")],
    );
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {token}");
    assert_eq!(
        d.request("GET", "/api/state", &[("Authorization", &bearer)])
            .status,
        200
    );
    // Basic auth, any user, the token as password: what a browser's login prompt sends.
    let basic = format!("Basic {}", base64_encode(&format!("me:{token}")));
    let page = d.request("GET", "/", &[("Authorization", &basic)]);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(token), "the page never shows the token");
    let unauthorized_action = d.request(
        "POST",
        "/api/failed/x/retry",
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(unauthorized_action.status, 401);
    // Behind a token, any host name (the server is reached by its own address).
    let named = d.request(
        "GET",
        "/api/state",
        &[("Authorization", &bearer), ("Host", "dash.example:8222")],
    );
    assert_eq!(named.status, 200);

    let from_env = Dashboard::start_with_env(
        &srv,
        &["--listen", "0.0.0.0:0"],
        &[("NATSKIT_DASHBOARD_TOKEN", token)],
    );
    assert_eq!(from_env.get("/api/state").status, 401);
    assert_eq!(
        from_env
            .request("GET", "/api/state", &[("Authorization", &bearer)])
            .status,
        200
    );
}

#[test]
fn on_loopback_only_loopback_host_names_are_answered() {
    let srv = start();
    let d = Dashboard::start(&srv, &[]);
    for host in ["localhost:8222", "127.0.0.1", "[::1]:8222"] {
        assert_eq!(
            d.request("GET", "/api/state", &[("Host", host)]).status,
            200,
            "{host}"
        );
    }
    let rebound = d.request("GET", "/api/state", &[("Host", "evil.example:8222")]);
    assert_eq!(
        (rebound.status, rebound.code()),
        (403, "AUTHORIZATION".into())
    );
}

#[test]
fn bad_arguments_are_refused_before_connecting() {
    let srv = start();
    let (code, stderr) = fails(&srv, &["dashboard", "--interval", "10ms"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--interval"), "{stderr}");
    let (code, stderr) = fails(&srv, &["dashboard", "--listen", "localhost"]);
    assert_eq!(code, 2, "clap refuses an address without a port: {stderr}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let (_, stderr) = fails(&srv, &["dashboard", "--listen", &port]);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
