//! `natskit object add|put|get|ls|info|del|watch|seal`, named like `nats object`.

use std::path::Path;

use natskit::jetstream::{ObjectInfo, ObjectPutOptions, ObjectStoreConfig, ObjectWatchOptions};
use natskit::{Client, Error, ErrorCode};
use serde_json::json;

use super::messaging::parse_headers;
use crate::args::{ObjectCommand, Storage};
use crate::confirm::confirm;
use crate::duration;
use crate::output::{cell, limit, pairs, table, Output};

/// Runs one object store command.
pub async fn run(client: &Client, command: &ObjectCommand, out: &Output) -> natskit::Result<()> {
    let js = client.jetstream();
    match command {
        ObjectCommand::Add {
            bucket,
            ttl,
            max_bucket_size,
            storage,
            replicas,
            compress,
            description,
        } => {
            let config = ObjectStoreConfig {
                bucket: bucket.clone(),
                description: description.clone().unwrap_or_default(),
                max_age: ttl
                    .as_deref()
                    .map(duration::parse)
                    .transpose()?
                    .unwrap_or_default(),
                max_bytes: max_bucket_size.unwrap_or(-1),
                storage: match storage {
                    Some(Storage::Memory) => "memory",
                    Some(Storage::File) | None => "file",
                }
                .to_string(),
                num_replicas: *replicas,
                compression: *compress,
            };
            js.create_object_store(&config).await?;
            out.show(&config, || println!("Created bucket {bucket}"));
        }
        ObjectCommand::Put {
            bucket,
            file,
            name,
            description,
            headers,
        } => {
            let store = js.object_store(bucket).await?;
            let options = ObjectPutOptions {
                description: description.clone(),
                headers: parse_headers(headers)?,
                ..Default::default()
            };
            let info = if file == "-" {
                let name = name.as_deref().ok_or_else(|| {
                    Error::new(
                        ErrorCode::InvalidArgument,
                        "--name is needed to put from stdin",
                    )
                })?;
                store.put(name, &mut tokio::io::stdin(), &options).await?
            } else {
                let name = match name {
                    Some(n) => n.clone(),
                    None => file_name(file)?,
                };
                store.put_file(&name, file, &options).await?
            };
            out.show(&info, || {
                println!(
                    "Stored {} in {bucket}: {} bytes in {} chunks, {}",
                    info.name,
                    info.size,
                    info.chunks,
                    info.digest.as_deref().unwrap_or("-")
                )
            });
        }
        ObjectCommand::Get {
            bucket,
            name,
            output,
        } => {
            let store = js.object_store(bucket).await?;
            let target = match output {
                Some(o) => o.clone(),
                None => file_name(name)?,
            };
            if target == "-" {
                store.get_to_writer(name, &mut tokio::io::stdout()).await?;
            } else {
                let info = store.get_to_file(name, &target).await?;
                out.show(&info, || {
                    println!("Wrote {} bytes of {name} to {target}", info.size)
                });
            }
        }
        ObjectCommand::Ls { bucket: None } => {
            let buckets = js.object_store_names().await?;
            out.show(&buckets, || buckets.iter().for_each(|b| println!("{b}")));
        }
        ObjectCommand::Ls { bucket: Some(b) } => {
            let infos = js.object_store(b).await?.list().await?;
            out.show(&infos, || {
                let rows: Vec<Vec<String>> = infos.iter().map(row).collect();
                table(&["Name", "Size", "Time", "Digest"], &rows);
            });
        }
        ObjectCommand::Info {
            bucket,
            name: Some(name),
        } => {
            let info = js.object_store(bucket).await?.info(name).await?;
            out.show(&info, || {
                let json = serde_json::to_value(&info).unwrap_or_default();
                pairs(&[
                    ("Name", info.name.clone()),
                    ("Bucket", info.bucket.clone()),
                    ("Description", cell(&json["description"])),
                    ("Size", info.size.to_string()),
                    ("Chunks", info.chunks.to_string()),
                    ("Digest", cell(&json["digest"])),
                    ("Modified", cell(&json["mtime"])),
                    ("Headers", cell(&json["headers"])),
                ])
            });
        }
        ObjectCommand::Info { bucket, name: None } => {
            js.object_store(bucket).await?;
            let stream = js.stream_info(&format!("OBJ_{bucket}")).await?;
            out.show(&stream, || {
                let config = &stream["config"];
                let ttl = config["max_age"].as_u64().unwrap_or(0);
                pairs(&[
                    ("Bucket", bucket.clone()),
                    ("Description", cell(&config["description"])),
                    ("Storage", cell(&config["storage"])),
                    ("TTL", duration::format_nanos(ttl)),
                    ("Max bytes", limit(&config["max_bytes"])),
                    ("Replicas", cell(&config["num_replicas"])),
                    ("Compression", cell(&config["compression"])),
                    ("Sealed", cell(&config["sealed"])),
                    ("Size", cell(&stream["state"]["bytes"])),
                ])
            });
        }
        ObjectCommand::Del {
            bucket,
            name: Some(name),
            force,
        } => {
            confirm(&format!("delete object {name} from {bucket}"), *force)?;
            js.object_store(bucket).await?.delete(name).await?;
            out.show(
                &json!({"bucket": bucket, "name": name, "deleted": true}),
                || println!("Deleted {name} from {bucket}"),
            );
        }
        ObjectCommand::Del {
            bucket,
            name: None,
            force,
        } => {
            confirm(&format!("delete bucket {bucket} with every object"), *force)?;
            js.delete_object_store(bucket).await?;
            out.show(&json!({"bucket": bucket, "deleted": true}), || {
                println!("Deleted bucket {bucket}")
            });
        }
        ObjectCommand::Watch {
            bucket,
            ignore_deletes,
            updates_only,
            count,
        } => {
            let options = ObjectWatchOptions {
                ignore_deletes: *ignore_deletes,
                updates_only: *updates_only,
            };
            let mut watch = js.object_store(bucket).await?.watch(options).await?;
            eprintln!("Watching {bucket}");
            let mut seen = 0u64;
            while count.is_none_or(|n| seen < n) {
                let info = tokio::select! {
                    info = watch.next(None) => info?,
                    _ = tokio::signal::ctrl_c() => break,
                };
                let Some(info) = info else { continue };
                seen += 1;
                if out.is_json() {
                    out.line(&info);
                } else {
                    let op = if info.deleted { "DEL" } else { "PUT" };
                    println!("{op}  {}", row(&info).join("  "));
                }
            }
        }
        ObjectCommand::Seal { bucket, force } => {
            confirm(
                &format!("seal bucket {bucket} (no change ever after)"),
                *force,
            )?;
            js.object_store(bucket).await?.seal().await?;
            out.show(&json!({"bucket": bucket, "sealed": true}), || {
                println!("Sealed bucket {bucket}")
            });
        }
    }
    client.close().await
}

/// The last component of a path or object name (`docs/a.pdf` is `a.pdf`).
fn file_name(path: &str) -> natskit::Result<String> {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("{path:?} has no file name: pass --name or -O"),
            )
        })
}

/// Name, size, time and digest.
fn row(info: &ObjectInfo) -> Vec<String> {
    let json = serde_json::to_value(info).unwrap_or_default();
    vec![
        info.name.clone(),
        info.size.to_string(),
        cell(&json["mtime"]),
        cell(&json["digest"]),
    ]
}
