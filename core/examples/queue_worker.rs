//! A Rust queue worker: records each job it completes in the `DONE` stream, then
//! acknowledges it. The no-loss test runs it as a child process and kills it mid-job.
//!
//! `queue_worker <nats-url> [concurrency]`

use std::sync::Arc;
use std::time::Duration;

use natskit::queue::{Outcome, Worker, WorkerOptions};
use natskit::ConnectionConfig;

#[tokio::main]
async fn main() -> natskit::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: queue_worker <nats-url> [concurrency]");
    let concurrency = args.next().and_then(|c| c.parse().ok()).unwrap_or(4);
    let mut config = ConnectionConfig::for_url(&url);
    config.queue.retry_after = 1.0;
    let client = natskit::Client::connect(&config).await?;
    let js = client.jetstream();
    let options = WorkerOptions {
        concurrency,
        sleep: 0.5,
        tries: Some(0),
        ..Default::default()
    };
    let worker = Arc::new(Worker::new(&client, "default", options)?);
    let stop = worker.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.stop();
    });
    loop {
        let done = js.nats().clone();
        let result = worker
            .clone()
            .run(move |job| {
                let done = done.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let ack = done
                        .publish(format!("done.{}", job.id), job.attempts.to_string().into())
                        .await;
                    let stored = match ack {
                        Ok(ack) => ack.await.is_ok(),
                        Err(_) => false,
                    };
                    if stored {
                        Outcome::Success
                    } else {
                        Outcome::Release(Duration::ZERO)
                    }
                }
            })
            .await;
        match result {
            Ok(stats) => {
                println!(
                    "stopped: {}",
                    serde_json::to_string(&stats).unwrap_or_default()
                );
                return Ok(());
            }
            // A server restart fails in-flight calls: keep working, unfinished jobs come back.
            Err(e) => {
                eprintln!("worker: {e}; continuing");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
