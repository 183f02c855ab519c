//! `natskit kv ls|get|put|del|watch|history|create|rm`

use natskit::jetstream::{KvConfig, KvEntry, KvOperation, KvWatchOptions};
use natskit::{Client, Error, ErrorCode};
use serde_json::{json, Value};

use crate::args::{KvCommand, Storage};
use crate::confirm::confirm;
use crate::duration;
use crate::output::{cell, table, Output};

/// Runs one key-value command.
pub async fn run(client: &Client, command: &KvCommand, out: &Output) -> natskit::Result<()> {
    let js = client.jetstream();
    match command {
        KvCommand::Ls { bucket: None } => {
            let buckets: Vec<String> = js
                .stream_names(Some("$KV.>"))
                .await?
                .into_iter()
                .filter_map(|s| s.strip_prefix("KV_").map(str::to_string))
                .collect();
            out.show(&buckets, || buckets.iter().for_each(|b| println!("{b}")));
        }
        KvCommand::Ls { bucket: Some(b) } => {
            let keys = js.kv(b).await?.keys().await?;
            out.show(&keys, || keys.iter().for_each(|k| println!("{k}")));
        }
        KvCommand::Get { bucket, key } => {
            let entry = js.kv(bucket).await?.get(key).await?.ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("key {key:?} not found in bucket {bucket}"),
                )
            })?;
            out.show(&entry_json(&entry), || println!("{}", text(&entry)));
        }
        KvCommand::Put { bucket, key, value } => {
            let revision = js.kv(bucket).await?.put(key, value.clone()).await?;
            out.show(
                &json!({"bucket": bucket, "key": key, "revision": revision}),
                || println!("Put {key} in {bucket} at revision {revision}"),
            );
        }
        KvCommand::Del { bucket, key, purge } => {
            let kv = js.kv(bucket).await?;
            if *purge {
                kv.purge(key).await?;
            } else {
                kv.delete(key).await?;
            }
            let op = if *purge { "Purged" } else { "Deleted" };
            out.show(
                &json!({"bucket": bucket, "key": key, "purged": purge}),
                || println!("{op} {key} in {bucket}"),
            );
        }
        KvCommand::Watch {
            bucket,
            pattern,
            include_history,
            ignore_deletes,
            updates_only,
            count,
        } => {
            let options = KvWatchOptions {
                include_history: *include_history,
                ignore_deletes: *ignore_deletes,
                updates_only: *updates_only,
            };
            let mut watch = js.kv(bucket).await?.watch(pattern, options).await?;
            eprintln!("Watching {pattern} in {bucket}");
            let mut said_done = false;
            let mut seen = 0u64;
            while count.is_none_or(|n| seen < n) {
                if !said_done && watch.initial_done() {
                    said_done = true;
                    eprintln!("(current values done)");
                }
                let entry = tokio::select! {
                    entry = watch.next(None) => entry?,
                    _ = tokio::signal::ctrl_c() => break,
                };
                let Some(entry) = entry else { continue };
                seen += 1;
                if out.is_json() {
                    out.line(&entry_json(&entry));
                } else {
                    println!("{}", row(&entry).join("  "));
                }
            }
        }
        KvCommand::History { bucket, key } => {
            let history = js.kv(bucket).await?.history(key).await?;
            let entries: Vec<Value> = history.iter().map(entry_json).collect();
            out.show(&entries, || {
                let rows: Vec<Vec<String>> = history.iter().map(row).collect();
                table(&["Revision", "Operation", "Key", "Value", "Created"], &rows);
            });
        }
        KvCommand::Create {
            bucket,
            history,
            max_age,
            storage,
            description,
        } => {
            let config = KvConfig {
                bucket: bucket.clone(),
                description: description.clone().unwrap_or_default(),
                history: *history,
                max_age: max_age
                    .as_deref()
                    .map(duration::parse)
                    .transpose()?
                    .unwrap_or_default(),
                storage: match storage {
                    Some(Storage::Memory) => "memory",
                    Some(Storage::File) | None => "file",
                }
                .to_string(),
                ..Default::default()
            };
            js.create_kv(&config).await?;
            out.show(&config, || println!("Created bucket {bucket}"));
        }
        KvCommand::Rm { bucket, force } => {
            confirm(&format!("delete bucket {bucket} with every key"), *force)?;
            js.delete_kv(bucket).await?;
            out.show(&json!({"bucket": bucket, "deleted": true}), || {
                println!("Deleted bucket {bucket}")
            });
        }
    }
    client.close().await
}

/// An entry as JSON: core's fields and the value as (lossy) UTF-8 text.
fn entry_json(entry: &KvEntry) -> Value {
    let mut json = serde_json::to_value(entry).unwrap_or_default();
    json["value"] = text(entry).into();
    json
}

fn text(entry: &KvEntry) -> String {
    String::from_utf8_lossy(&entry.value).into_owned()
}

/// Revision, operation, key, value (empty for deletes) and time.
fn row(entry: &KvEntry) -> Vec<String> {
    let value = match entry.operation {
        KvOperation::Put => text(entry),
        _ => String::new(),
    };
    vec![
        entry.revision.to_string(),
        entry.operation.as_str().to_string(),
        entry.key.clone(),
        value,
        cell(&entry_json(entry)["created"]),
    ]
}
