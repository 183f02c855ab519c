//! Named connections from a configuration (object, file or environment), opened on first use.

use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::Env;

use crate::client::Client;
use crate::error::{to_napi, Outcome};

/// Holds the configured connections; each opens on its first `connection()`.
#[napi]
pub struct Manager {
    inner: Arc<natskit::Manager>,
}

#[napi]
impl Manager {
    /// A manager over `config`: `{ default, connections: { name: {...} } }` or one connection's
    /// keys; omitted, the `NATS_*` environment. Invalid settings throw `CONFIG` naming the key.
    #[napi(catch_unwind, constructor, ts_args_type = "config?: ManagerConfig")]
    pub fn new(env: &Env, config: Option<serde_json::Value>) -> napi::Result<Self> {
        crate::error::guard(|| {
            let config = match config {
                Some(value) => natskit::Config::from_host(value, natskit::Unit::Milliseconds),
                None => natskit::Config::from_env(),
            };
            config
                .map(|c| Manager {
                    inner: Arc::new(natskit::Manager::new(c)),
                })
                .map_err(|e| to_napi(env, &e))
        })
    }

    /// A manager configured from the environment (`NATSKIT_CONFIG`, `NATS_URL`, ...).
    #[napi(catch_unwind, factory)]
    pub fn from_env(env: &Env) -> napi::Result<Self> {
        crate::error::guard(|| Manager::new(env, None))
    }

    /// A manager configured from a TOML or JSON file.
    #[napi(catch_unwind, factory, ts_args_type = "path: string")]
    pub fn from_file(env: &Env, path: Unknown) -> napi::Result<Self> {
        crate::error::guard(|| {
            crate::payload::with_str(env, path, "path", |path| natskit::Config::from_file(path))
                .map(|c| Manager {
                    inner: Arc::new(natskit::Manager::new(c)),
                })
                .map_err(|e| to_napi(env, &e))
        })
    }

    /// The named connection (omitted: the default one), connecting on first use.
    #[napi(catch_unwind, ts_return_type = "Promise<Client>")]
    pub async fn connection(&self, name: Option<String>) -> Outcome<Client> {
        crate::runtime::unwinding(async move {
            let manager = self.inner.clone();
            let name = name.unwrap_or_else(|| manager.config().default.clone());
            let client = manager.connection(Some(&name)).await;
            Outcome(client.map(|c| Client::named(c, &name)))
        })
        .await
    }

    /// Flushes and closes one connection; the next `connection(name)` opens a new one.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn close(&self, name: String) -> Outcome<()> {
        crate::runtime::unwinding(async move { Outcome(self.inner.close(&name).await) }).await
    }

    /// Flushes and closes every open connection.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn close_all(&self) -> Outcome<()> {
        crate::runtime::unwinding(async move { Outcome(self.inner.close_all().await) }).await
    }

    /// Names of the connections that are open now.
    #[napi(catch_unwind)]
    pub fn open_connections(&self) -> napi::Result<Vec<String>> {
        crate::error::guard(|| Ok(self.inner.open_connections()))
    }
}
