//! `natskit stream list|info|create|update|get|view|purge|delete`

use natskit::jetstream::{JsMessage, OrderedOptions, PurgeOptions, Start, StoredMessage};
use natskit::Client;
use serde_json::{json, Value};

use crate::args::{Discard, Retention, Storage, StreamCommand, StreamSettings};
use crate::confirm::confirm;
use crate::duration;
use crate::output::{cell, limit, pairs, set_payload, table, Output};

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
            definition,
            settings,
        } => {
            let mut config = match definition {
                Some(path) => read_definition(path)?,
                None => json!({}),
            };
            config["name"] = json!(name);
            if !subjects.is_empty() {
                config["subjects"] = json!(subjects);
            }
            apply(&mut config, settings)?;
            show_info(&js.create_stream(&config).await?, out);
        }
        StreamCommand::Get {
            stream,
            sequence,
            last_for,
        } => {
            let message = match (sequence, last_for) {
                (_, Some(subject)) => js.get_last_message(stream, subject).await?,
                (Some(seq), None) => js.get_message(stream, *seq).await?,
                (None, None) => unreachable!("clap requires a sequence or --last-for"),
            };
            show_message(&message, out);
        }
        StreamCommand::View {
            stream,
            from,
            count,
            follow: true,
            subjects,
        } => {
            let options = OrderedOptions {
                start: from.map_or(Start::All, Start::Sequence),
                filter_subjects: subjects.clone(),
                heartbeat: None,
            };
            let mut messages = js.ordered(stream, &options).await?;
            let mut shown = 0;
            while count.is_none_or(|c| shown < c) {
                if let Some(m) = messages.next(None).await? {
                    show_message(&stored(&m), out);
                    shown += 1;
                }
            }
        }
        StreamCommand::View {
            stream,
            from,
            count,
            ..
        } => {
            let count = count.unwrap_or(10);
            let state = js.stream_info(stream).await?["state"].take();
            let first = from
                .unwrap_or(state["first_seq"].as_u64().unwrap_or(1))
                .max(1);
            let last = state["last_seq"].as_u64().unwrap_or(0);
            let mut shown = 0;
            let mut seq = first;
            while shown < count && seq <= last {
                // Deleted and expired sequences leave gaps.
                match js.get_message(stream, seq).await {
                    Ok(message) => {
                        show_message(&message, out);
                        shown += 1;
                    }
                    Err(e) if e.code() == natskit::ErrorCode::NotFound => {}
                    Err(e) => return Err(e),
                }
                seq += 1;
            }
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
    if let Some(d) = s.discard {
        config["discard"] = json!(match d {
            Discard::Old => "old",
            Discard::New => "new",
        });
    }
    if let Some(w) = &s.dupe_window {
        config["duplicate_window"] = json!(duration::parse(w)?.as_nanos() as u64);
    }
    for (flag, key) in [
        (s.allow_direct, "allow_direct"),
        (s.allow_msg_ttl, "allow_msg_ttl"),
        (s.allow_msg_schedules, "allow_msg_schedules"),
    ] {
        if flag {
            config[key] = json!(true);
        }
    }
    if let Some(m) = &s.mirror {
        config["mirror"] = json!({ "name": m });
    }
    if !s.sources.is_empty() {
        let sources: Vec<Value> = s.sources.iter().map(|n| json!({ "name": n })).collect();
        config["sources"] = json!(sources);
    }
    Ok(())
}

/// A stream config from a JSON file (the `config` of `stream info --json`, or the whole info).
fn read_definition(path: &std::path::Path) -> natskit::Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        natskit::Error::new(
            natskit::ErrorCode::Config,
            format!("--definition {}: {e}", path.display()),
        )
    })?;
    let mut value: Value = serde_json::from_str(&text).map_err(|e| {
        natskit::Error::new(
            natskit::ErrorCode::Config,
            format!("--definition {}: not JSON: {e}", path.display()),
        )
    })?;
    if value.get("config").is_some_and(Value::is_object) {
        value = value["config"].take();
    }
    if !value.is_object() {
        return Err(natskit::Error::new(
            natskit::ErrorCode::Config,
            format!("--definition {}: expected a JSON object", path.display()),
        ));
    }
    Ok(value)
}

/// A stored message: JSON (payload as text, or base64 flagged) or a header and the payload.
/// A message of an ordered consumer as the stored message it is.
fn stored(m: &JsMessage) -> StoredMessage {
    StoredMessage {
        subject: m.subject().to_string(),
        sequence: m.metadata().stream_seq,
        headers: m.headers(),
        payload: m.payload().clone(),
        time: m.metadata().timestamp,
    }
}

fn show_message(m: &StoredMessage, out: &Output) {
    if out.is_json() {
        let mut value = serde_json::to_value(m).unwrap_or_default();
        set_payload(&mut value, &m.payload);
        out.line(&value);
    } else {
        println!(
            "[{}] {} {}",
            m.sequence,
            m.subject,
            natskit::timestamp::rfc3339(m.time)
        );
        for (name, value) in m.headers.iter() {
            println!("{name}: {value}");
        }
        println!("{}", String::from_utf8_lossy(&m.payload));
    }
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
