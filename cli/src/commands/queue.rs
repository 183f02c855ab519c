//! `natskit queue size|failed|retry|forget|flush|push|clear|migrate` (and `work`, in its own
//! module)

use std::time::Duration;

use natskit::queue::{
    migrate, queue_names, Backoff, FailedJob, FailedJobs, PushOptions, Queue, QueueSize,
    StreamPlacement,
};
use natskit::{Client, Error, ErrorCode};
use serde_json::{json, Value};

use crate::args::{PushArgs, QueueCommand};
use crate::confirm::confirm;
use crate::duration;
use crate::output::{cell, merge, plural, table, Output};

/// Runs one queue command; `connection` is the name recorded with failed jobs.
pub async fn run(
    client: &Client,
    connection: &str,
    command: &QueueCommand,
    out: &Output,
) -> natskit::Result<()> {
    let failed = FailedJobs::of(client);
    match command {
        QueueCommand::Size { queue: Some(name) } => {
            let one = [measure(client, connection, name).await?];
            out.show(&size_json(&one[0]), || size_table(&one));
        }
        QueueCommand::Size { queue: None } => {
            let mut sizes = Vec::new();
            for name in queue_names(client).await? {
                sizes.push(measure(client, connection, &name).await?);
            }
            let body: Vec<Value> = sizes.iter().map(size_json).collect();
            out.show(&body, || {
                size_table(&sizes);
                println!("{}", plural(sizes.len() as u64, "queue"));
            });
        }
        QueueCommand::Failed { queue } => {
            let jobs = failed.list(queue.as_deref()).await?;
            out.show(&jobs, || {
                let rows: Vec<Vec<String>> = jobs.iter().map(failed_row).collect();
                table(
                    &["ID", "Queue", "Job", "Failed at", "Exception", "Message"],
                    &rows,
                );
                println!("{}", plural(jobs.len() as u64, "failed job"));
            });
        }
        QueueCommand::Retry { ids } => {
            let retried = if ids.len() == 1 && ids[0] == "all" {
                failed.retry_all().await?
            } else {
                failed.retry(ids).await?
            };
            out.show(&json!({ "retried": retried }), || {
                for id in &retried {
                    println!("Retried job {id}");
                }
                println!("{} put back", plural(retried.len() as u64, "job"));
            });
        }
        QueueCommand::Forget { id } => {
            if !failed.forget(id).await? {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!("no failed job with id {id:?}"),
                ));
            }
            out.show(&json!({ "id": id, "forgotten": true }), || {
                println!("Forgot failed job {id}")
            });
        }
        QueueCommand::Flush { hours } => {
            let older_than = hours
                .map(|h| {
                    Duration::try_from_secs_f64(h * 3600.0).map_err(|_| {
                        Error::new(ErrorCode::InvalidArgument, "--hours: expected hours >= 0")
                    })
                })
                .transpose()?;
            let flushed = failed.flush(older_than).await?;
            out.show(&json!({ "flushed": flushed }), || {
                println!("Flushed {}", plural(flushed as u64, "failed job"))
            });
        }
        QueueCommand::Push(a) => push(client, connection, a, out).await?,
        QueueCommand::Clear { queue, force } => {
            let q = Queue::new(client, queue, connection)?;
            confirm(
                &format!("clear queue {queue}: remove all its waiting and delayed jobs"),
                *force,
            )?;
            let cleared = q.clear().await?;
            out.show(&json!({ "queue": queue, "cleared": cleared }), || {
                println!(
                    "Cleared {} from queue {queue}",
                    plural(cleared as u64, "job")
                )
            });
        }
        QueueCommand::Work(a) => super::work::run(client, connection, a, out).await?,
        QueueCommand::Migrate { queue } => {
            let moved = match queue {
                Some(name) => vec![Queue::new(client, name, connection)?.migrate().await?],
                None => migrate(client, connection).await?,
            };
            out.show(&moved, || {
                for m in &moved {
                    println!(
                        "Moved {} and {} of {} to stream {} ({} reserved left in the shared stream)",
                        plural(m.ready, "waiting job"),
                        plural(m.delayed, "delayed job"),
                        m.queue,
                        m.stream,
                        m.reserved
                    );
                }
                println!("{} migrated", plural(moved.len() as u64, "queue"));
            });
        }
    }
    Ok(())
}

/// One queue's name, numbers and stream placement.
async fn measure(
    client: &Client,
    connection: &str,
    name: &str,
) -> natskit::Result<(String, QueueSize, StreamPlacement)> {
    let queue = Queue::new(client, name, connection)?;
    Ok((
        name.to_string(),
        queue.size().await?,
        queue.placement().await?,
    ))
}

async fn push(
    client: &Client,
    connection: &str,
    a: &PushArgs,
    out: &Output,
) -> natskit::Result<()> {
    let data: Value = serde_json::from_str(&a.payload).map_err(|e| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("job payload is not JSON: {e}"),
        )
    })?;
    let delay = a.delay.as_deref().map(duration::parse).transpose()?;
    let options = PushOptions {
        max_tries: a.tries,
        backoff: a.backoff.as_deref().map(parse_backoff).transpose()?,
        delay: delay.map(|d| d.as_secs_f64()),
        traceparent: a.trace.traceparent.clone(),
        tracestate: a.trace.tracestate.clone(),
        ..Default::default()
    };
    let id = Queue::new(client, &a.queue, connection)?
        .push(&a.name, data, &options)
        .await?;
    let body = json!({
        "queue": a.queue,
        "job": a.name,
        "id": id,
        "delay": delay.map_or(0.0, |d| d.as_secs_f64()),
    });
    out.show(&body, || match (&id, delay) {
        (Some(id), Some(d)) if !d.is_zero() => println!(
            "Pushed {} onto {} as {id} (available in {})",
            a.name,
            a.queue,
            duration::format_nanos(d.as_nanos() as u64)
        ),
        (Some(id), _) => println!("Pushed {} onto {} as {id}", a.name, a.queue),
        (None, _) => println!("Ignored: the same unique job is already queued"),
    });
    Ok(())
}

/// `5` is a fixed backoff; `1,5,10` a list whose last value repeats.
fn parse_backoff(text: &str) -> natskit::Result<Backoff> {
    let values = text
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
        })
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("--backoff {text:?}: expected seconds like 5 or 1,5,10"),
            )
        })?;
    Ok(match values.as_slice() {
        [one] => Backoff::Fixed(*one),
        _ => Backoff::List(values),
    })
}

fn size_json((name, size, placement): &(String, QueueSize, StreamPlacement)) -> Value {
    let mut body = json!({ "queue": name, "placement": placement });
    merge(&mut body, size);
    body
}

fn size_table(sizes: &[(String, QueueSize, StreamPlacement)]) {
    let rows: Vec<Vec<String>> = sizes
        .iter()
        .map(|(name, s, p)| {
            vec![
                name.clone(),
                s.ready.to_string(),
                s.reserved.to_string(),
                s.delayed.to_string(),
                s.failed.to_string(),
                if s.oldest_age > 0.0 {
                    format!("{:.1}s", s.oldest_age)
                } else {
                    "-".to_string()
                },
                stream_cell(p),
                leader_cell(p),
                p.replicas.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "Queue", "Ready", "Reserved", "Delayed", "Failed", "Oldest", "Stream", "Leader",
            "Replicas",
        ],
        &rows,
    );
}

/// The stream, or `<first>..<last>` of a partitioned queue's streams.
fn stream_cell(p: &StreamPlacement) -> String {
    match p.partitions.as_slice() {
        [first, .., last] if first.stream != last.stream => {
            format!("{}..{}", first.stream, last.stream)
        }
        _ => p.stream.clone(),
    }
}

/// The leader, or each partition's leader.
fn leader_cell(p: &StreamPlacement) -> String {
    let leader = |p: &StreamPlacement| p.leader.clone().unwrap_or_else(|| "-".into());
    match p.partitions.is_empty() {
        true => leader(p),
        false => p
            .partitions
            .iter()
            .map(leader)
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn failed_row(job: &FailedJob) -> Vec<String> {
    vec![
        job.id.clone(),
        job.queue.clone(),
        cell(&job.payload["job"]),
        timestamp(job.failed_at),
        job.exception.clone(),
        job.message.lines().next().unwrap_or("").to_string(),
    ]
}

/// Unix seconds as `2025-01-31T12:00:00Z`.
fn timestamp(unix: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
