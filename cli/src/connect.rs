//! Opens the connection named by `--config` / `--connection` (or the environment).

use natskit::{Client, Config, Manager};

use crate::args::Cli;

/// Connects as the global options say.
pub async fn client(cli: &Cli) -> natskit::Result<Client> {
    let config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::from_env()?,
    };
    Manager::new(config)
        .connection(cli.connection.as_deref())
        .await
}
