//! Named connections, opened lazily on first use and shared by every caller.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::client::Client;
use crate::config::Config;
use crate::error::Result;

/// Holds the configured connections; each is opened on its first use.
#[derive(Debug)]
pub struct Manager {
    config: Config,
    slots: Mutex<HashMap<String, Arc<OnceCell<Client>>>>,
}

impl Manager {
    /// A manager over `config`.
    pub fn new(config: Config) -> Self {
        Manager {
            config,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// A manager configured from the environment ([`Config::from_env`]).
    pub fn from_env() -> Result<Self> {
        Ok(Manager::new(Config::from_env()?))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The named connection (`None` = the default), connecting on first use.
    pub async fn connection(&self, name: Option<&str>) -> Result<Client> {
        let name = name.unwrap_or(&self.config.default).to_string();
        let settings = self
            .config
            .connection(Some(&name))
            .map_err(|e| e.context("manager"))?
            .clone();
        let slot = self
            .slots
            .lock()
            .unwrap()
            .entry(name.clone())
            .or_default()
            .clone();
        let client = slot
            .get_or_try_init(|| async {
                Client::connect(&settings)
                    .await
                    .map_err(|e| e.context(format_args!("connection {name:?}")))
            })
            .await?;
        if client.is_closed() {
            self.slots.lock().unwrap().remove(&name);
            return Box::pin(self.connection(Some(&name))).await;
        }
        Ok(client.clone())
    }

    /// Flushes and closes one connection; the next `connection(name)` opens a new one.
    pub async fn close(&self, name: &str) -> Result<()> {
        let slot = self.slots.lock().unwrap().remove(name);
        match slot.and_then(|s| s.get().cloned()) {
            Some(client) => client.close().await,
            None => Ok(()),
        }
    }

    /// Flushes and closes every open connection, returning the first error.
    pub async fn close_all(&self) -> Result<()> {
        let slots: Vec<_> = self.slots.lock().unwrap().drain().collect();
        let mut first_error = None;
        for (_, slot) in slots {
            if let Some(client) = slot.get() {
                if let Err(e) = client.close().await {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Names of the connections that are open now.
    pub fn open_connections(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .slots
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, s)| s.get().is_some_and(|c| !c.is_closed()))
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        names
    }
}
