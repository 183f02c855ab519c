//! JetStream and the job queue from Rust: a stream and a durable pull consumer, publishes
//! confirmed by the stream (one a duplicate), a fetch answered with ack, nak(delay) and term;
//! then jobs on a queue: one fails once and succeeds after its backoff, another uses up its
//! tries and lands on the dead-letter subject. Runs against $NATS_URL or an embedded server.

use std::time::Duration;

use natskit::jetstream::{Context, FetchOptions, JsMessage, PublishOptions};
use natskit::queue::{Backoff, JobEvent, Outcome, PushOptions, Step, Worker, WorkerOptions};
use natskit::{Client, ConnectionConfig, ErrorCode, LocalServer};
use serde_json::json;

const STREAM: &str = "SHOWCASE_ORDERS";
const DEAD_LETTERS: &str = "showcase.dead";

#[tokio::main]
async fn main() -> natskit::Result<()> {
    let local = match std::env::var("NATS_URL") {
        Ok(_) => None,
        Err(_) => Some(LocalServer::start()?),
    };
    let url = match &local {
        Some(server) => server.url(),
        None => std::env::var("NATS_URL").unwrap_or_default(),
    };
    // The queue gets its own stream and buckets so a shared server's queues stay untouched.
    let mut config = ConnectionConfig::for_url(&url);
    config.queue.stream = "SHOWCASE_JOBS".into();
    config.queue.subject_prefix = "showcase.jobs".into();
    config.queue.failed_bucket = "showcase_failed".into();
    config.queue.unique_bucket = "showcase_unique".into();
    config.queue.dead_letter_subject = Some(DEAD_LETTERS.into());
    let nc = Client::connect(&config).await?;
    let js = nc.jetstream();
    reset(&js).await?;
    println!("== Rust JetStream and queue (natskit core) ==");

    streams_and_consumers(&js).await?;
    queue(&nc).await?;

    reset(&js).await?;
    nc.close().await
}

async fn streams_and_consumers(js: &Context) -> natskit::Result<()> {
    js.create_stream(&json!({
        "name": STREAM,
        "subjects": ["showcase.orders.>"],
        "storage": "memory",
        "duplicate_window": 60_000_000_000u64,
    }))
    .await?;
    let consumer = js
        .create_consumer(
            STREAM,
            &json!({"durable_name": "billing", "ack_policy": "explicit", "ack_wait": 5_000_000_000u64}),
        )
        .await?;
    println!(
        "stream {STREAM} and durable pull consumer {} created",
        consumer["name"]
    );

    // Publish with ack: the stream confirms each message; a repeated id is stored once.
    for (subject, id) in [
        ("showcase.orders.eu", "order-1"),
        ("showcase.orders.us", "order-2"),
        ("showcase.orders.eu", "order-3"),
        ("showcase.orders.eu", "order-1"),
    ] {
        let options = PublishOptions {
            msg_id: Some(id.into()),
            ..Default::default()
        };
        let ack = js
            .publish(subject, json!({"id": id}).to_string(), &options)
            .await?;
        println!(
            "published {id} to {subject}: {} seq {}{}",
            ack.stream,
            ack.sequence,
            if ack.duplicate {
                " (duplicate, not stored again)"
            } else {
                ""
            }
        );
    }
    let publisher = js.publisher(64)?;
    for i in 0..100 {
        publisher
            .publish(
                "showcase.orders.bulk",
                format!("bulk {i}"),
                &Default::default(),
            )
            .await?;
    }
    let summary = publisher.wait().await?;
    println!(
        "pipelined 100 publishes: {} acked, last seq {}",
        summary.acked, summary.last_sequence
    );
    js.purge_stream(
        STREAM,
        &natskit::jetstream::PurgeOptions {
            subject: Some("showcase.orders.bulk".into()),
            ..Default::default()
        },
    )
    .await?;

    // Fetch: ack the first, nak the second with a delay (it comes back), term the third.
    let now = FetchOptions {
        timeout: Some(Duration::from_secs(1)),
        no_wait: true,
    };
    let batch = js.fetch(STREAM, "billing", 10, &now).await?;
    for (msg, action) in batch.iter().zip(["ack", "nak 300ms", "term"]) {
        print_metadata(msg, action);
        match action {
            "ack" => msg.ack().await?,
            "term" => msg.term(Some("order cancelled")).await?,
            _ => msg.nak(Some(Duration::from_millis(300))).await?,
        }
    }
    let wait = FetchOptions {
        timeout: Some(Duration::from_secs(3)),
        no_wait: false,
    };
    if let Some(again) = js.fetch_next(STREAM, "billing", &wait).await? {
        print_metadata(&again, "double ack");
        again.double_ack().await?;
    }
    let left = js.fetch(STREAM, "billing", 10, &now).await?;
    let info = js.consumer_info(STREAM, "billing").await?;
    println!(
        "after acks: {} left to fetch, num_pending {}, num_ack_pending {}, num_redelivered {}",
        left.len(),
        info["num_pending"],
        info["num_ack_pending"],
        info["num_redelivered"]
    );
    Ok(())
}

fn print_metadata(msg: &JsMessage, action: &str) {
    let m = msg.metadata();
    println!(
        "  {:<19} {} stream_seq {} consumer_seq {} delivered {} pending {} at {} -> {action}",
        msg.subject(),
        String::from_utf8_lossy(msg.data()),
        m.stream_seq,
        m.consumer_seq,
        m.delivered,
        m.pending,
        m.timestamp.time(),
    );
}

async fn queue(nc: &Client) -> natskit::Result<()> {
    let mut dead = nc.subscribe(DEAD_LETTERS, None).await?;
    nc.flush().await?;
    let q = nc.queue("billing")?;
    let charge = PushOptions {
        max_tries: Some(3),
        backoff: Some(Backoff::List(vec![1.0, 5.0])),
        ..Default::default()
    };
    let refund = PushOptions {
        max_tries: Some(2),
        backoff: Some(Backoff::Fixed(0.0)),
        ..Default::default()
    };
    q.push("ChargeCard", json!({"order": 1, "amount": 42}), &charge)
        .await?;
    q.push("RefundOrder", json!({"order": 2}), &refund).await?;
    let size = q.size().await?;
    println!(
        "queue billing: {} ready, {} reserved, {} delayed, {} failed",
        size.ready, size.reserved, size.delayed, size.failed
    );

    let options = WorkerOptions {
        queues: vec!["billing".into()],
        sleep: 0.5,
        ..Default::default()
    };
    let worker = Worker::new(nc, "default", options)?;
    let mut settled = 0;
    while settled < 2 {
        let job = match worker.next(Duration::from_millis(500)).await? {
            Step::Job(job) => job,
            Step::Idle => continue,
            Step::Stop(reason) => {
                println!("worker stopped: {reason:?}");
                break;
            }
        };
        let (name, attempt) = (job.name().to_string(), job.attempts());
        let outcome = match (name.as_str(), attempt) {
            ("ChargeCard", 1) => Outcome::Error {
                exception: "CardDeclined".into(),
                message: "the bank said try again".into(),
                trace: String::new(),
            },
            ("ChargeCard", _) => Outcome::Success,
            _ => Outcome::Error {
                exception: "RefundError".into(),
                message: "order 2 was never paid".into(),
                trace: String::new(),
            },
        };
        let event = worker.finish(job, outcome).await?;
        println!(
            "  {name} attempt {attempt}: {}",
            serde_json::to_string(&event)?
        );
        if matches!(event, JobEvent::Processed { .. } | JobEvent::Failed { .. }) {
            settled += 1;
        }
    }

    let letter = dead
        .next_timeout(Some(Duration::from_secs(2)))
        .await?
        .expect("a dead letter");
    let letter: serde_json::Value = letter.json()?;
    println!(
        "dead letter on {DEAD_LETTERS}: job {} from queue {} ({}: {})",
        letter["payload"]["job"],
        letter["original_queue"],
        letter["failure_exception"],
        letter["failure_message"]
    );
    let failed = q.failed().list(Some("billing")).await?;
    println!("failed-jobs store holds {} job(s) of billing", failed.len());
    Ok(())
}

/// Removes what an earlier run left on a shared server.
async fn reset(js: &Context) -> natskit::Result<()> {
    for stream in [STREAM, "SHOWCASE_JOBS"] {
        ignore_missing(js.delete_stream(stream).await)?;
    }
    for bucket in ["showcase_failed", "showcase_unique"] {
        ignore_missing(js.delete_kv(bucket).await)?;
    }
    Ok(())
}

fn ignore_missing<T>(result: natskit::Result<T>) -> natskit::Result<()> {
    match result {
        Err(e) if e.code() != ErrorCode::NotFound => Err(e),
        _ => Ok(()),
    }
}
