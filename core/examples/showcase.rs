//! The Rust part of `make demo`: messaging against $NATS_URL or an embedded local server.

use std::time::Duration;

use bytes::Bytes;
use natskit::{Config, Headers, LocalServer, Manager, PublishOptions};

const WAIT: Option<Duration> = Some(Duration::from_secs(2));

#[tokio::main]
async fn main() -> natskit::Result<()> {
    // Two servers unless NATS_URL names one: the second shows named connections.
    let local = match std::env::var("NATS_URL") {
        Ok(_) => None,
        Err(_) => Some((LocalServer::start()?, LocalServer::start()?)),
    };
    let (primary, secondary) = match &local {
        Some((a, b)) => (a.url(), b.url()),
        None => {
            let url = std::env::var("NATS_URL").unwrap_or_default();
            (url.clone(), url)
        }
    };
    println!("== Rust (natskit core) ==");
    let config = Config::from_json(&format!(
        r#"{{"default": "primary",
            "connections": {{"primary": {{"servers": "{primary}"}},
                             "secondary": {{"servers": "{secondary}"}}}}}}"#
    ))?;
    let manager = Manager::new(config);
    let nc = manager.connection(None).await?;

    // Wildcards: `*` is one token, `>` the rest.
    let mut one = nc.subscribe("orders.*", None).await?;
    let mut all = nc.subscribe("orders.>", None).await?;
    nc.publish("orders.created", "order 1").await?;
    nc.publish("orders.eu.shipped", "order 2").await?;
    nc.flush().await?;
    for m in one.next_batch(10, WAIT).await? {
        println!(
            "orders.*  got {} {:?}",
            m.subject(),
            String::from_utf8_lossy(m.data())
        );
    }
    for m in all.next_batch(10, WAIT).await? {
        println!(
            "orders.>  got {} {:?}",
            m.subject(),
            String::from_utf8_lossy(m.data())
        );
    }

    // Queue group: each job goes to one member.
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(nc.subscribe("jobs", Some("workers")).await?);
    }
    for i in 0..9 {
        nc.publish("jobs", format!("job {i}")).await?;
    }
    nc.flush().await?;
    let counts: Vec<usize> = futures::future::join_all(
        workers
            .iter_mut()
            .map(|w| async { w.next_batch(100, WAIT).await.map(|b| b.len()).unwrap_or(0) }),
    )
    .await;
    println!("queue group 'workers' split 9 jobs as {counts:?}");

    // Request/reply with headers.
    let mut service = nc.subscribe("users.get", None).await?;
    tokio::spawn(async move {
        while let Ok(Some(req)) = service.next_timeout(None).await {
            let id: serde_json::Value = req.json().unwrap_or_default();
            let mut h = Headers::new();
            h.append("X-Served-By", "showcase");
            let body = serde_json::json!({"id": id["id"], "name": "Ada"}).to_string();
            let _ = req.respond_with(Bytes::from(body), Some(&h)).await;
        }
    });
    let reply = nc.request("users.get", r#"{"id": 42}"#).await?;
    println!(
        "request users.get -> {} (X-Served-By: {})",
        String::from_utf8_lossy(reply.data()),
        reply.header("x-served-by").unwrap_or("-")
    );
    match nc.request("nobody.listens", "").await {
        Err(e) => println!("request nobody.listens -> {} ({})", e.code(), e),
        Ok(_) => println!("request nobody.listens -> unexpected reply"),
    }

    // Headers with several values.
    let mut tagged = nc.subscribe("tagged", None).await?;
    let mut h = Headers::new();
    h.append("X-Tag", "a").append("X-Tag", "b");
    let opts = PublishOptions {
        headers: Some(&h),
        reply: None,
    };
    nc.publish_with("tagged", Bytes::from_static(b"with headers"), &opts)
        .await?;
    if let Some(m) = tagged.next_timeout(WAIT).await? {
        println!("headers -> {}", m.headers().to_json());
    }

    // Named connections.
    let second = manager.connection(Some("secondary")).await?;
    let mut there = second.subscribe("where", None).await?;
    second.flush().await?;
    second.publish("where", "via secondary").await?;
    if let Some(m) = there.next_timeout(WAIT).await? {
        println!(
            "connection 'secondary' got {:?}",
            String::from_utf8_lossy(m.data())
        );
    }
    println!(
        "stats (primary): {}",
        serde_json::to_string(&nc.stats()).unwrap_or_default()
    );
    manager.close_all().await
}
