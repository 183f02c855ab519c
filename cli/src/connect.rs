//! Opens the connection named by `--config` / `--connection` (or the environment), with the
//! connection flags (`-s`, `--user`, `--creds`, ...) laid over it.

use natskit::config::{ConnectionConfig, Secret};
use natskit::{Client, Config, Error, ErrorCode, Manager};

use crate::args::{Cli, ConnectFlags};

/// Connects as the global options say.
pub async fn client(cli: &Cli) -> natskit::Result<Client> {
    Ok(named(cli).await?.0)
}

/// Connects as the global options say; also returns the connection's name.
pub async fn named(cli: &Cli) -> natskit::Result<(Client, String)> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::from_env()?,
    };
    let name = cli.connection.clone().unwrap_or(config.default.clone());
    config.connection(Some(&name))?;
    if let Some(connection) = config.connections.get_mut(&name) {
        apply(&cli.connect, connection)?;
    }
    let client = Manager::new(config).connection(Some(&name)).await?;
    Ok((client, name))
}

/// Lays the flags that were given over `connection`.
fn apply(flags: &ConnectFlags, connection: &mut ConnectionConfig) -> natskit::Result<()> {
    if let Some(servers) = &flags.servers {
        connection.servers = servers
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
    }
    let secret = |value: &Option<String>| value.as_deref().map(Secret::new);
    set(&mut connection.user, flags.user.clone());
    set(&mut connection.password, secret(&flags.password));
    set(&mut connection.token, secret(&flags.token));
    set(&mut connection.creds, flags.creds.clone());
    if let Some(path) = &flags.nkey {
        let seed = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorCode::Config,
                format!("--nkey {}: cannot read the seed file: {e}", path.display()),
            )
        })?;
        connection.nkey_seed = Some(Secret::new(seed.trim()));
    }
    set(&mut connection.tls.ca, flags.tls_ca.clone());
    set(&mut connection.tls.cert, flags.tls_cert.clone());
    set(&mut connection.tls.key, flags.tls_key.clone());
    Ok(())
}

fn set<T>(field: &mut Option<T>, flag: Option<T>) {
    if flag.is_some() {
        *field = flag;
    }
}
