//! Opens the connection named by `--config` / `--connection` (or the environment).

use natskit::{Client, Config, Manager};

use crate::args::Cli;

/// Connects as the global options say.
pub async fn client(cli: &Cli) -> natskit::Result<Client> {
    Ok(named(cli).await?.0)
}

/// Connects as the global options say; also returns the connection's name.
pub async fn named(cli: &Cli) -> natskit::Result<(Client, String)> {
    let config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::from_env()?,
    };
    let name = cli.connection.clone().unwrap_or(config.default.clone());
    let client = Manager::new(config).connection(Some(&name)).await?;
    Ok((client, name))
}
