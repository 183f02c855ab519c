//! `natskit consumer list|info|create|next|delete`

use std::time::Duration;

use natskit::jetstream::{ConsumeOptions, Context, FetchOptions, JsMessage};
use natskit::{Client, Error, ErrorCode};
use serde_json::{json, Value};

use crate::args::{AckPolicy, ConsumerCommand, DeliverPolicy};
use crate::confirm::confirm;
use crate::duration;
use crate::output::{cell, pairs, set_payload, table, Output};

/// Up to `count` messages a push consumer delivers: the first within `wait`, then those that
/// follow it closely (the rest it pushed come again after its ack wait).
async fn next_pushed(
    js: &Context,
    stream: &str,
    consumer: &str,
    count: usize,
    wait: Duration,
) -> natskit::Result<Vec<JsMessage>> {
    let mut pushed = js
        .consume(stream, consumer, &ConsumeOptions::default())
        .await?;
    let mut messages = Vec::new();
    let mut next_wait = wait;
    while messages.len() < count {
        match pushed.next(Some(next_wait)).await? {
            Some(m) => messages.push(m),
            None => break,
        }
        next_wait = Duration::from_millis(100);
    }
    Ok(messages)
}

/// Runs one consumer command.
pub async fn run(client: &Client, command: &ConsumerCommand, out: &Output) -> natskit::Result<()> {
    let js = client.jetstream();
    match command {
        ConsumerCommand::List { stream, offset } => {
            let page = js.list_consumers(stream, *offset).await?;
            out.show(&page, || {
                let rows: Vec<Vec<String>> = page.items.iter().map(list_row).collect();
                table(
                    &[
                        "Name",
                        "Filter",
                        "Deliver",
                        "Ack",
                        "Pending",
                        "Ack pending",
                        "Redelivered",
                        "Waiting",
                    ],
                    &rows,
                );
                println!(
                    "{} of {} consumers on stream {stream} (offset {})",
                    page.items.len(),
                    page.total,
                    page.offset
                );
            });
        }
        ConsumerCommand::Info { stream, consumer } => {
            show_info(&js.consumer_info(stream, consumer).await?, out)
        }
        ConsumerCommand::Create {
            stream,
            name,
            filter_subject,
            deliver_policy,
            ack_policy,
            ack_wait,
            max_deliver,
            push,
        } => {
            let mut config = json!({
                "durable_name": name,
                "deliver_policy": match deliver_policy {
                    DeliverPolicy::All => "all",
                    DeliverPolicy::Last => "last",
                    DeliverPolicy::New => "new",
                },
                "ack_policy": match ack_policy {
                    AckPolicy::None => "none",
                    AckPolicy::All => "all",
                    AckPolicy::Explicit => "explicit",
                },
            });
            if let Some(f) = filter_subject {
                config["filter_subject"] = json!(f);
            }
            if let Some(w) = ack_wait {
                config["ack_wait"] = json!(duration::parse(w)?.as_nanos() as u64);
            }
            if let Some(n) = max_deliver {
                config["max_deliver"] = json!(n);
            }
            if let Some(subject) = &push.deliver_subject {
                config["deliver_subject"] = json!(subject);
            }
            if let Some(group) = &push.deliver_group {
                config["deliver_group"] = json!(group);
            }
            if push.flow_control {
                config["flow_control"] = json!(true);
            }
            if let Some(h) = &push.heartbeat {
                config["idle_heartbeat"] = json!(duration::parse(h)?.as_nanos() as u64);
            }
            show_info(&js.create_consumer(stream, &config).await?, out);
        }
        ConsumerCommand::Next {
            stream,
            consumer,
            count,
            no_ack,
            timeout,
        } => {
            let wait = duration::parse(timeout)?;
            let info = js.consumer_info(stream, consumer).await?;
            let messages = if info["config"]["deliver_subject"].is_string() {
                next_pushed(&js, stream, consumer, *count, wait).await?
            } else {
                let options = FetchOptions {
                    timeout: Some(wait),
                    no_wait: false,
                };
                js.fetch(stream, consumer, *count, &options).await?
            };
            if messages.is_empty() {
                return Err(Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "no message from consumer {consumer} of stream {stream} within {timeout}"
                    ),
                ));
            }
            for m in &messages {
                if !no_ack {
                    m.double_ack().await?;
                }
                if out.is_json() {
                    let mut value = json!({
                        "subject": m.subject(),
                        "headers": m.headers().to_json(),
                        "metadata": m.metadata(),
                        "acked": !no_ack,
                    });
                    set_payload(&mut value, m.data());
                    out.line(&value);
                } else {
                    let meta = m.metadata();
                    println!(
                        "[{}] {} (delivery {}, {} pending){}",
                        meta.stream_seq,
                        m.subject(),
                        meta.delivered,
                        meta.pending,
                        if *no_ack { "" } else { " acknowledged" }
                    );
                    for (name, value) in m.headers().iter() {
                        println!("{name}: {value}");
                    }
                    println!("{}", String::from_utf8_lossy(m.data()));
                }
            }
        }
        ConsumerCommand::Delete {
            stream,
            consumer,
            force,
        } => {
            confirm(
                &format!("delete consumer {consumer} of stream {stream}"),
                *force,
            )?;
            js.delete_consumer(stream, consumer).await?;
            out.show(
                &json!({"stream": stream, "consumer": consumer, "deleted": true}),
                || println!("Deleted consumer {consumer} of stream {stream}"),
            );
        }
    }
    Ok(())
}

fn filter(config: &Value) -> String {
    match (&config["filter_subject"], &config["filter_subjects"]) {
        (Value::String(s), _) if !s.is_empty() => s.clone(),
        (_, Value::Array(list)) if !list.is_empty() => cell(&config["filter_subjects"]),
        _ => "-".to_string(),
    }
}

fn list_row(info: &Value) -> Vec<String> {
    let c = &info["config"];
    vec![
        cell(&info["name"]),
        filter(c),
        cell(&c["deliver_policy"]),
        cell(&c["ack_policy"]),
        cell(&info["num_pending"]),
        cell(&info["num_ack_pending"]),
        cell(&info["num_redelivered"]),
        cell(&info["num_waiting"]),
    ]
}

fn show_info(info: &Value, out: &Output) {
    out.show(info, || {
        let c = &info["config"];
        pairs(&[
            ("Stream", cell(&info["stream_name"])),
            ("Name", cell(&info["name"])),
            ("Description", cell(&c["description"])),
            ("Filter", filter(c)),
            ("Deliver policy", cell(&c["deliver_policy"])),
            ("Ack policy", cell(&c["ack_policy"])),
            (
                "Ack wait",
                duration::format_nanos(c["ack_wait"].as_u64().unwrap_or(0)),
            ),
            ("Max deliver", crate::output::limit(&c["max_deliver"])),
            ("Pending", cell(&info["num_pending"])),
            ("Ack pending", cell(&info["num_ack_pending"])),
            ("Redelivered", cell(&info["num_redelivered"])),
            ("Waiting pulls", cell(&info["num_waiting"])),
            ("Last delivered", cell(&info["delivered"]["stream_seq"])),
            ("Ack floor", cell(&info["ack_floor"]["stream_seq"])),
        ]);
    });
}
