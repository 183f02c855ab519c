//! The client side of discovery: ask every running service (or those of one name, or one
//! instance) for its PING, INFO or STATS answer and collect what comes back.
//!
//! Answers are collected until `wait` passes (1 s by default), or sooner once they stop
//! coming: [`QUIET`] after the last one (an instance id asks one service: its answer ends
//! the wait). They come back sorted by name, then id.

use std::time::Duration;

use futures::StreamExt;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::config::check_name;
use super::wire::{Ping, ServiceInfo, ServiceStats};
use crate::client::Client;
use crate::error::{Error, Result};

/// How long discovery waits for answers unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// Once answers have come, discovery ends when none more come for this long.
pub const QUIET: Duration = Duration::from_millis(250);

/// Which services to ask.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// Only services of this name.
    pub name: Option<&'a str>,
    /// Only the instance with this id (needs `name`).
    pub id: Option<&'a str>,
    /// How long to wait for answers (`None`: [`DEFAULT_WAIT`]).
    pub wait: Option<Duration>,
}

/// Every matching service's PING answer.
pub async fn ping(client: &Client, target: Target<'_>) -> Result<Vec<Ping>> {
    let mut found: Vec<Ping> = ask(client, "PING", target).await?;
    found.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(found)
}

/// Every matching service's INFO answer (its endpoints).
pub async fn info(client: &Client, target: Target<'_>) -> Result<Vec<ServiceInfo>> {
    let mut found: Vec<ServiceInfo> = ask(client, "INFO", target).await?;
    found.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(found)
}

/// Every matching service's STATS answer (durations in nanoseconds).
pub async fn stats(client: &Client, target: Target<'_>) -> Result<Vec<ServiceStats>> {
    let mut found: Vec<ServiceStats> = ask(client, "STATS", target).await?;
    found.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(found)
}

/// Publishes `$SRV.<verb>[.name[.id]]` and reads the answers that parse as `T`
/// (answers that do not are skipped: they come from something that is not a service).
async fn ask<T: DeserializeOwned>(
    client: &Client,
    verb: &str,
    target: Target<'_>,
) -> Result<Vec<T>> {
    client.check_open()?;
    let mut subject = format!("$SRV.{verb}");
    if let Some(name) = target.name {
        check_name("service name", name)?;
        subject = format!("{subject}.{name}");
    }
    if let Some(id) = target.id {
        if target.name.is_none() {
            return Err(Error::invalid_argument(
                "a service id needs the service name as well",
            ));
        }
        check_name("service id", id)?;
        subject = format!("{subject}.{id}");
    }
    let nats = client.nats();
    let inbox = nats.new_inbox();
    let mut answers = nats
        .subscribe(inbox.clone())
        .await
        .map_err(|e| client.send_error(e))?;
    nats.publish_with_reply(subject, inbox, bytes::Bytes::new())
        .await
        .map_err(|e| client.send_error(e))?;
    let deadline = Instant::now() + target.wait.unwrap_or(DEFAULT_WAIT);
    let mut found = Vec::new();
    loop {
        let until = if found.is_empty() {
            deadline
        } else {
            deadline.min(Instant::now() + QUIET)
        };
        let Ok(Some(answer)) = tokio::time::timeout_at(until, answers.next()).await else {
            break;
        };
        if let Ok(parsed) = serde_json::from_slice::<T>(&answer.payload) {
            found.push(parsed);
            if target.id.is_some() {
                break;
            }
        }
    }
    Ok(found)
}
