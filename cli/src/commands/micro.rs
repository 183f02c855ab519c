//! `natskit micro ls|info|stats [NAME [ID]]`: the services (micro) discovery protocol.

use natskit::service::discovery::{self, Target};
use natskit::Client;

use crate::args::{MicroArgs, MicroCommand};
use crate::duration;
use crate::output::{pairs, plural, table, Output};

/// Asks the running services and prints their answers.
pub async fn run(client: &Client, command: &MicroCommand, out: &Output) -> natskit::Result<()> {
    match command {
        MicroCommand::Ls(a) => {
            let found = discovery::info(client, target(a)?).await?;
            out.show(&found, || {
                if found.is_empty() {
                    return println!("no services answered");
                }
                let rows: Vec<Vec<String>> = found
                    .iter()
                    .map(|s| {
                        vec![
                            s.name.clone(),
                            s.version.clone(),
                            s.id.clone(),
                            s.description.clone(),
                        ]
                    })
                    .collect();
                table(&["NAME", "VERSION", "ID", "DESCRIPTION"], &rows);
            });
        }
        MicroCommand::Info(a) => {
            let found = discovery::info(client, target(a)?).await?;
            out.show(&found, || {
                if found.is_empty() {
                    return println!("no services answered");
                }
                for (i, s) in found.iter().enumerate() {
                    if i > 0 {
                        println!();
                    }
                    pairs(&[
                        ("name", s.name.clone()),
                        ("id", s.id.clone()),
                        ("version", s.version.clone()),
                        ("description", s.description.clone()),
                        ("metadata", metadata(&s.metadata)),
                        ("endpoints", plural(s.endpoints.len() as u64, "endpoint")),
                    ]);
                    let rows: Vec<Vec<String>> = s
                        .endpoints
                        .iter()
                        .map(|e| {
                            vec![
                                e.name.clone(),
                                e.subject.clone(),
                                e.queue_group.clone(),
                                metadata(&e.metadata),
                            ]
                        })
                        .collect();
                    if !rows.is_empty() {
                        println!();
                        table(&["ENDPOINT", "SUBJECT", "QUEUE GROUP", "METADATA"], &rows);
                    }
                }
            });
        }
        MicroCommand::Stats(a) => {
            let found = discovery::stats(client, target(a)?).await?;
            out.show(&found, || {
                let rows: Vec<Vec<String>> = found
                    .iter()
                    .flat_map(|s| {
                        s.endpoints.iter().map(|e| {
                            vec![
                                s.name.clone(),
                                s.id.clone(),
                                e.name.clone(),
                                e.num_requests.to_string(),
                                e.num_errors.to_string(),
                                time(e.processing_time),
                                time(e.average_processing_time),
                                if e.last_error.is_empty() {
                                    "-".into()
                                } else {
                                    e.last_error.clone()
                                },
                            ]
                        })
                    })
                    .collect();
                if found.is_empty() {
                    return println!("no services answered");
                }
                table(
                    &[
                        "NAME",
                        "ID",
                        "ENDPOINT",
                        "REQUESTS",
                        "ERRORS",
                        "TIME",
                        "AVERAGE",
                        "LAST ERROR",
                    ],
                    &rows,
                );
            });
        }
    }
    Ok(())
}

fn target(a: &MicroArgs) -> natskit::Result<Target<'_>> {
    Ok(Target {
        name: a.name.as_deref(),
        id: a.id.as_deref(),
        wait: Some(duration::parse(&a.timeout)?),
    })
}

/// `k=v, k2=v2`, or `-` when empty.
fn metadata(m: &std::collections::BTreeMap<String, String>) -> String {
    if m.is_empty() {
        return "-".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Nanoseconds as `1.234ms` (`0` when none).
fn time(nanos: u64) -> String {
    match nanos {
        0 => "0".into(),
        n if n < 1_000_000 => format!("{:.1}µs", n as f64 / 1e3),
        n if n < 1_000_000_000 => format!("{:.3}ms", n as f64 / 1e6),
        n => format!("{:.3}s", n as f64 / 1e9),
    }
}
