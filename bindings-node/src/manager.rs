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

impl Manager {
    /// A manager over `config`, or its error thrown.
    fn over(env: &Env, config: natskit::Result<natskit::Config>) -> napi::Result<Self> {
        let inner = config.map_err(|e| to_napi(env, &e))?;
        Ok(Manager {
            inner: Arc::new(natskit::Manager::new(inner)),
        })
    }
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
            Manager::over(env, config)
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
            let config =
                crate::payload::with_str(env, path, "path", |p| natskit::Config::from_file(p));
            Manager::over(env, config)
        })
    }

    /// The named connection (omitted: the default one), connecting on first use.
    #[napi(catch_unwind, ts_return_type = "Promise<Client>")]
    pub async fn connection(&self, name: Option<String>) -> Outcome<Client> {
        crate::runtime::unwinding(async move {
            let name = name.unwrap_or_else(|| self.inner.config().default.clone());
            let client = self.inner.connection(Some(&name)).await?;
            Ok(Client::named(client, &name))
        })
        .await
    }

    /// Flushes and closes one connection; the next `connection(name)` opens a new one.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn close(&self, name: String) -> Outcome<()> {
        crate::runtime::unwinding(self.inner.close(&name)).await
    }

    /// Flushes and closes every open connection.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn close_all(&self) -> Outcome<()> {
        crate::runtime::unwinding(self.inner.close_all()).await
    }

    /// Names of the connections that are open now.
    #[napi(catch_unwind)]
    pub fn open_connections(&self) -> Vec<String> {
        self.inner.open_connections()
    }
}
