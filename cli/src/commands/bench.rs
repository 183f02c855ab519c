//! `natskit bench pub|sub|request|js`: rates and latency percentiles against a real server.

use std::time::{Duration, Instant};

use natskit::{Client, Error, ErrorCode};
use serde_json::{json, Value};

use crate::args::{BenchArgs, BenchCommand};
use crate::output::Output;

/// Runs one benchmark and prints its result.
pub async fn run(client: &Client, command: &BenchCommand, out: &Output) -> natskit::Result<()> {
    let result = match command {
        BenchCommand::Pub(a) => publish(client, a).await?,
        BenchCommand::Sub(a) => subscribe(client, a).await?,
        BenchCommand::Request { args, reply } => request(client, args, *reply).await?,
        BenchCommand::Js {
            args,
            pipelined,
            stream,
        } => jetstream(client, args, *pipelined, stream.as_deref()).await?,
    };
    out.show(&result.json(), || result.print());
    client.close().await
}

/// What a run measured.
struct Measured {
    kind: &'static str,
    msgs: u64,
    size: usize,
    elapsed: Duration,
    /// Per-message round trips, for the latency-bound kinds.
    latencies: Option<Vec<Duration>>,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.msgs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentiles(&self) -> Option<[(&'static str, f64); 4]> {
        let mut l = self.latencies.clone()?;
        if l.is_empty() {
            return None;
        }
        l.sort();
        let at = |q: f64| l[((l.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
        Some([
            ("p50", at(0.5)),
            ("p90", at(0.9)),
            ("p99", at(0.99)),
            ("max", at(1.0)),
        ])
    }

    fn json(&self) -> Value {
        let round = |x: f64| (x * 10.0).round() / 10.0;
        let mut value = json!({
            "kind": self.kind,
            "msgs": self.msgs,
            "size": self.size,
            "seconds": (self.elapsed.as_secs_f64() * 1e6).round() / 1e6,
            "msgs_per_sec": round(self.rate()),
            "mb_per_sec": round(self.rate() * self.size as f64 / 1e6),
        });
        if let Some(p) = self.percentiles() {
            value["latency_us"] = p
                .iter()
                .map(|(k, v)| (k.to_string(), json!(round(*v))))
                .collect();
        }
        value
    }

    fn print(&self) {
        println!(
            "{}: {} msgs of {} B in {:.3} s: {:.0} msgs/s, {:.1} MB/s",
            self.kind,
            self.msgs,
            self.size,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.rate() * self.size as f64 / 1e6
        );
        if let Some(p) = self.percentiles() {
            let parts: Vec<String> = p.iter().map(|(k, v)| format!("{k} {v:.1} µs")).collect();
            println!("latency: {}", parts.join(", "));
        }
    }
}

fn count(a: &BenchArgs, default: u64) -> natskit::Result<u64> {
    match a.msgs.unwrap_or(default) {
        0 => Err(Error::new(
            ErrorCode::InvalidArgument,
            "--msgs: expected at least 1",
        )),
        n => Ok(n),
    }
}

async fn publish(client: &Client, a: &BenchArgs) -> natskit::Result<Measured> {
    let msgs = count(a, 100_000)?;
    let payload = bytes::Bytes::from(vec![b'x'; a.size]);
    let started = Instant::now();
    for _ in 0..msgs {
        client.publish(&a.subject, payload.clone()).await?;
    }
    client.flush().await?;
    Ok(Measured {
        kind: "pub",
        msgs,
        size: a.size,
        elapsed: started.elapsed(),
        latencies: None,
    })
}

async fn subscribe(client: &Client, a: &BenchArgs) -> natskit::Result<Measured> {
    let msgs = count(a, 100_000)?;
    let mut sub = client.subscribe(&a.subject, None).await?;
    client.flush().await?;
    eprintln!("Waiting for {msgs} messages on {}", a.subject);
    let mut received = 0;
    let mut first = None;
    let mut size = 0;
    while received < msgs {
        let batch = tokio::select! {
            batch = sub.next_batch(4096, None) => batch?,
            _ = tokio::signal::ctrl_c() => break,
        };
        first.get_or_insert_with(Instant::now);
        if let Some(m) = batch.first() {
            size = m.data().len();
        }
        received += batch.len() as u64;
    }
    Ok(Measured {
        kind: "sub",
        msgs: received,
        size,
        elapsed: first.map_or(Duration::ZERO, |f| f.elapsed()),
        latencies: None,
    })
}

async fn request(client: &Client, a: &BenchArgs, reply: bool) -> natskit::Result<Measured> {
    let msgs = count(a, 10_000)?;
    let responder = if reply {
        let mut sub = client.subscribe(&a.subject, None).await?;
        client.flush().await?;
        Some(tokio::spawn(async move {
            while let Ok(Some(m)) = sub.next_timeout(None).await {
                let body = m.data().to_vec();
                if m.respond(body).await.is_err() {
                    break;
                }
            }
        }))
    } else {
        None
    };
    let payload = bytes::Bytes::from(vec![b'x'; a.size]);
    let mut latencies = Vec::with_capacity(msgs as usize);
    let started = Instant::now();
    for _ in 0..msgs {
        let sent = Instant::now();
        client.request(&a.subject, payload.clone()).await?;
        latencies.push(sent.elapsed());
    }
    let elapsed = started.elapsed();
    if let Some(task) = responder {
        task.abort();
    }
    Ok(Measured {
        kind: "request",
        msgs,
        size: a.size,
        elapsed,
        latencies: Some(latencies),
    })
}

async fn jetstream(
    client: &Client,
    a: &BenchArgs,
    pipelined: bool,
    stream: Option<&str>,
) -> natskit::Result<Measured> {
    let msgs = count(a, 10_000)?;
    let js = client.jetstream();
    let temporary = match stream {
        Some(_) => None,
        None => {
            let name = format!("NATSKIT_BENCH_{}", std::process::id());
            js.create_stream(&json!({
                "name": name, "subjects": [a.subject], "storage": "memory",
            }))
            .await?;
            Some(name)
        }
    };
    let payload = bytes::Bytes::from(vec![b'x'; a.size]);
    let options = natskit::jetstream::PublishOptions::default();
    let started = Instant::now();
    let outcome = if pipelined {
        let publisher = js.publisher(256)?;
        let mut sent = Ok(());
        for _ in 0..msgs {
            sent = publisher
                .publish(&a.subject, payload.clone(), &options)
                .await;
            if sent.is_err() {
                break;
            }
        }
        sent.and(publisher.wait().await.map(|_| None))
    } else {
        let mut latencies = Vec::with_capacity(msgs as usize);
        let mut sent = Ok(());
        for _ in 0..msgs {
            let at = Instant::now();
            if let Err(e) = js.publish(&a.subject, payload.clone(), &options).await {
                sent = Err(e);
                break;
            }
            latencies.push(at.elapsed());
        }
        sent.map(|_| Some(latencies))
    };
    let elapsed = started.elapsed();
    if let Some(name) = temporary {
        js.delete_stream(&name).await?;
    }
    Ok(Measured {
        kind: if pipelined { "js-pipelined" } else { "js" },
        msgs,
        size: a.size,
        elapsed,
        latencies: outcome?,
    })
}
