//! `natskit stream list|info|create|update|purge|delete`

use natskit::jetstream::PurgeOptions;
use natskit::Client;
use serde_json::{json, Value};

use crate::args::{Retention, Storage, StreamCommand, StreamSettings};
use crate::confirm::confirm;
use crate::duration;
use crate::output::{cell, limit, pairs, table, Output};

/// Runs one stream command.
pub async fn run(client: &Client, command: &StreamCommand, out: &Output) -> natskit::Result<()> {
    let js = client.jetstream();
    match command {
        StreamCommand::List { offset } => {
            let page = js.list_streams(*offset, None).await?;
            out.show(&page, || {
                let rows: Vec<Vec<String>> = page.items.iter().map(list_row).collect();
                table(
                    &[
                        "Name",
                        "Subjects",
                        "Storage",
                        "Messages",
                        "Bytes",
                        "Consumers",
                    ],
                    &rows,
                );
                println!(
                    "{} of {} streams (offset {})",
                    page.items.len(),
                    page.total,
                    page.offset
                );
            });
        }
        StreamCommand::Info { stream } => show_info(&js.stream_info(stream).await?, out),
        StreamCommand::Create {
            name,
            subjects,
            settings,
        } => {
            let mut config = json!({ "name": name, "subjects": subjects });
            apply(&mut config, settings)?;
            show_info(&js.create_stream(&config).await?, out);
        }
        StreamCommand::Update {
            stream,
            subjects,
            settings,
        } => {
            let mut config = js.stream_info(stream).await?["config"].take();
            if !subjects.is_empty() {
                config["subjects"] = json!(subjects);
            }
            apply(&mut config, settings)?;
            show_info(&js.update_stream(&config).await?, out);
        }
        StreamCommand::Purge {
            stream,
            subject,
            keep,
            force,
        } => {
            let what = match (subject, keep) {
                (Some(s), _) => format!("purge messages on {s} from stream {stream}"),
                (None, Some(k)) => {
                    format!("purge all but the newest {k} messages of stream {stream}")
                }
                (None, None) => format!("purge every message of stream {stream}"),
            };
            confirm(&what, *force)?;
            let options = PurgeOptions {
                subject: subject.clone(),
                keep: *keep,
                sequence: None,
            };
            let purged = js.purge_stream(stream, &options).await?;
            out.show(&json!({"stream": stream, "purged": purged}), || {
                println!("Purged {purged} messages from stream {stream}")
            });
        }
        StreamCommand::Delete { stream, force } => {
            confirm(
                &format!("delete stream {stream} with all its messages and consumers"),
                *force,
            )?;
            js.delete_stream(stream).await?;
            out.show(&json!({"stream": stream, "deleted": true}), || {
                println!("Deleted stream {stream}")
            });
        }
    }
    Ok(())
}

fn apply(config: &mut Value, s: &StreamSettings) -> natskit::Result<()> {
    if let Some(d) = &s.description {
        config["description"] = json!(d);
    }
    if let Some(storage) = s.storage {
        config["storage"] = json!(match storage {
            Storage::File => "file",
            Storage::Memory => "memory",
        });
    }
    if let Some(r) = s.retention {
        config["retention"] = json!(match r {
            Retention::Limits => "limits",
            Retention::Interest => "interest",
            Retention::Workqueue => "workqueue",
        });
    }
    if let Some(n) = s.max_msgs {
        config["max_msgs"] = json!(n);
    }
    if let Some(n) = s.max_bytes {
        config["max_bytes"] = json!(n);
    }
    if let Some(age) = &s.max_age {
        config["max_age"] = json!(duration::parse(age)?.as_nanos() as u64);
    }
    if let Some(n) = s.replicas {
        config["num_replicas"] = json!(n);
    }
    Ok(())
}

fn list_row(info: &Value) -> Vec<String> {
    let (c, s) = (&info["config"], &info["state"]);
    vec![
        cell(&c["name"]),
        cell(&c["subjects"]),
        cell(&c["storage"]),
        cell(&s["messages"]),
        cell(&s["bytes"]),
        cell(&s["consumer_count"]),
    ]
}

fn show_info(info: &Value, out: &Output) {
    out.show(info, || {
        let (c, s) = (&info["config"], &info["state"]);
        pairs(&[
            ("Name", cell(&c["name"])),
            ("Description", cell(&c["description"])),
            ("Subjects", cell(&c["subjects"])),
            ("Retention", cell(&c["retention"])),
            ("Storage", cell(&c["storage"])),
            ("Replicas", cell(&c["num_replicas"])),
            ("Max messages", limit(&c["max_msgs"])),
            ("Max bytes", limit(&c["max_bytes"])),
            (
                "Max age",
                duration::format_nanos(c["max_age"].as_u64().unwrap_or(0)),
            ),
            ("Messages", cell(&s["messages"])),
            ("Bytes", cell(&s["bytes"])),
            ("First sequence", cell(&s["first_seq"])),
            ("Last sequence", cell(&s["last_seq"])),
            ("Consumers", cell(&s["consumer_count"])),
        ]);
    });
}
