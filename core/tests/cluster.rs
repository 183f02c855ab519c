//! Failover on a 3-node cluster: a queue with `replicas = 3` loses its consumer leader, its
//! stream leader or a follower (SIGKILL) while a worker runs and pushes continue; core pub/sub
//! loses the node its clients are connected to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use natskit::queue::{NewJob, Outcome, PushOptions, Worker, WorkerOptions};
use natskit::{Client, ConnectionConfig, LocalCluster};
use serde_json::json;

/// Jobs a worker holds at once: each of its `CONCURRENCY` loops may pull a batch of
/// `CONCURRENCY` (the default prefetch) when the shared buffer is empty.
const CONCURRENCY: usize = 4;
const IN_FLIGHT: usize = CONCURRENCY * CONCURRENCY;

/// How soon after a kill the worker must take jobs again.
const RECOVERY: Duration = Duration::from_secs(10);

fn config(cluster: &LocalCluster) -> ConnectionConfig {
    let mut config = ConnectionConfig::from_json(r#"{"reconnect": {"delay": 0.05}}"#).unwrap();
    config.servers = cluster.urls();
    config.queue.replicas = 3;
    config.queue.retry_after = 2.0;
    // A job whose ack was lost in the election runs again instead of failing as over-tried.
    config.queue.tries = 0;
    config
}

async fn connect(cluster: &LocalCluster) -> Client {
    Client::connect(&config(cluster)).await.unwrap()
}

/// Which leader a test kills.
#[derive(Clone, Copy)]
enum Victim {
    ConsumerLeader,
    StreamLeader,
    Follower,
}

/// The nodes leading the queue's consumer and its stream.
async fn leaders(cluster: &LocalCluster, nc: &Client, queue: &str) -> (usize, usize) {
    let js = nc.jetstream();
    let stream = &nc.config().queue.stream;
    let leader = |info: serde_json::Value| {
        let name = info["cluster"]["leader"].as_str().unwrap_or_default();
        cluster.node_named(name).expect("a leader")
    };
    let name = format!("natskit_q_{queue}");
    let consumer = leader(js.consumer_info(stream, &name).await.unwrap());
    (consumer, leader(js.stream_info(stream).await.unwrap()))
}

/// The node to kill; the consumer leader is first moved off the stream leader, so each test
/// kills one leader only.
async fn node_of(cluster: &LocalCluster, nc: &Client, queue: &str, victim: Victim) -> usize {
    let stream = &nc.config().queue.stream;
    let stepdown = format!("CONSUMER.LEADER.STEPDOWN.{stream}.natskit_q_{queue}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let (consumer, stream) = loop {
        let (consumer, stream) = leaders(cluster, nc, queue).await;
        if consumer != stream {
            break (consumer, stream);
        }
        assert!(Instant::now() < deadline, "the leaders stay on one node");
        nc.jetstream().api(&stepdown, &json!({})).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    match victim {
        Victim::ConsumerLeader => consumer,
        Victim::StreamLeader => stream,
        Victim::Follower => 3 - consumer - stream,
    }
}

/// What the worker's handler saw: how often each job ran, and when the last one ran.
#[derive(Default)]
struct Seen {
    runs: Mutex<HashMap<u64, u32>>,
}

impl Seen {
    fn distinct(&self) -> usize {
        self.runs.lock().unwrap().len()
    }
}

/// Pushes jobs numbered from `first` until `stop`, one at a time (`push`) or `together` at a
/// time (`push_many`); returns the numbers the stream acknowledged.
async fn push_until(
    queue: natskit::queue::Queue,
    stop: Arc<AtomicBool>,
    first: u64,
    together: u64,
) -> Vec<u64> {
    let job = |n: u64| NewJob {
        job: "Count".into(),
        data: json!({ "n": n }),
        options: PushOptions::default(),
    };
    let mut acked = Vec::new();
    let mut n = first;
    while !stop.load(Ordering::SeqCst) {
        let numbers = n..n + together;
        let pushed = match together {
            1 => queue
                .push("Count", json!({ "n": n }), &PushOptions::default())
                .await
                .map(drop),
            _ => queue
                .push_many(&numbers.clone().map(job).collect::<Vec<_>>())
                .await
                .map(drop),
        };
        pushed.unwrap_or_else(|e| panic!("pushing {numbers:?} failed: {e}"));
        acked.extend(numbers);
        n += together;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    acked
}

/// Kills `victim` while a worker runs and pushes continue: a new client can push at once, no
/// job is lost, duplicates stay within the jobs in flight, the worker takes new jobs again
/// within `RECOVERY` and stops promptly.
async fn failover(victim: Victim) {
    let mut cluster = LocalCluster::start().await.unwrap();
    let nc = connect(&cluster).await;
    let queue = nc.queue("failover").unwrap();
    queue
        .push("Warmup", json!({}), &PushOptions::default())
        .await
        .unwrap();

    let seen = Arc::new(Seen::default());
    let options = WorkerOptions {
        queues: vec!["failover".into()],
        concurrency: CONCURRENCY,
        sleep: 0.5,
        ..Default::default()
    };
    let worker = Arc::new(Worker::new(&nc, "default", options).unwrap());
    let record = seen.clone();
    let running = tokio::spawn(worker.clone().run(move |job| {
        let record = record.clone();
        async move {
            if let Some(n) = job.payload["n"].as_u64() {
                *record.runs.lock().unwrap().entry(n).or_default() += 1;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            Outcome::Success
        }
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let pushing = tokio::spawn(push_until(queue.clone(), stop.clone(), 0, 1));
    let pushing_many = tokio::spawn(push_until(queue.clone(), stop.clone(), 1 << 32, 3));
    tokio::time::sleep(Duration::from_secs(2)).await;

    let node = node_of(&cluster, &nc, "failover", victim).await;
    let before = seen.distinct();
    let killed = Instant::now();
    cluster.kill(node);
    let config = config(&cluster);
    let newcomer = tokio::spawn(async move {
        let queue = Client::connect(&config).await?.queue("failover")?;
        let first = json!({ "n": u64::MAX });
        queue.push("Count", first, &PushOptions::default()).await
    });
    while seen.distinct() <= before + IN_FLIGHT {
        assert!(
            killed.elapsed() < RECOVERY,
            "the worker took no new job within {RECOVERY:?} of the kill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let recovery = killed.elapsed();
    assert!(
        recovery < RECOVERY,
        "the worker took {recovery:?} to take new jobs"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let mut acked = pushing.await.unwrap();
    acked.extend(pushing_many.await.unwrap());
    newcomer
        .await
        .unwrap()
        .expect("a push from a new client right after the kill");
    acked.push(u64::MAX);

    let deadline = Instant::now() + Duration::from_secs(15);
    let lost = loop {
        let runs = seen.runs.lock().unwrap().clone();
        let lost = acked.iter().filter(|n| !runs.contains_key(n)).count();
        if lost == 0 || Instant::now() > deadline {
            break lost;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stopping = Instant::now();
    worker.stop();
    running.await.unwrap().unwrap();
    assert!(
        stopping.elapsed() < Duration::from_millis(1500),
        "stop took {:?}",
        stopping.elapsed()
    );
    let duplicates: u32 = seen.runs.lock().unwrap().values().map(|r| r - 1).sum();
    eprintln!(
        "killed node {node}: recovered in {recovery:?}, {} pushed, {lost} lost, {duplicates} duplicates",
        acked.len()
    );
    assert_eq!(lost, 0, "acknowledged jobs never worked");
    assert!(
        duplicates as usize <= IN_FLIGHT,
        "{duplicates} duplicates, more than the {IN_FLIGHT} jobs in flight"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_survives_the_consumer_leader_dying() {
    failover(Victim::ConsumerLeader).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_survives_the_stream_leader_dying() {
    failover(Victim::StreamLeader).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_survives_a_follower_dying() {
    failover(Victim::Follower).await;
}

/// The node `nc` is connected to.
fn node_used(cluster: &LocalCluster, nc: &Client) -> usize {
    let port = format!(":{}", nc.nats().server_info().port);
    cluster
        .urls()
        .iter()
        .position(|u| u.ends_with(&port))
        .unwrap()
}

/// A subscriber and a publisher given every URL, on the same node keep exchanging messages once that node dies.
#[tokio::test(flavor = "multi_thread")]
async fn pub_sub_survives_the_node_it_uses_dying() {
    let mut cluster = LocalCluster::start().await.unwrap();
    let subscriber = connect(&cluster).await;
    let node = node_used(&cluster, &subscriber);
    let mut publisher = connect(&cluster).await;
    while node_used(&cluster, &publisher) != node {
        publisher = connect(&cluster).await;
    }
    let mut sub = subscriber.subscribe("failover.pubsub", None).await.unwrap();
    subscriber.flush().await.unwrap();
    publisher
        .publish("failover.pubsub", "before")
        .await
        .unwrap();
    let got = sub
        .next_timeout(Some(Duration::from_secs(2)))
        .await
        .unwrap();
    assert_eq!(got.unwrap().data(), b"before");

    cluster.kill(node);
    let killed = Instant::now();
    let recovered = loop {
        assert!(
            killed.elapsed() < RECOVERY,
            "no message got through within {RECOVERY:?} of the kill"
        );
        let _ = publisher.publish("failover.pubsub", "after").await;
        let wait = Some(Duration::from_millis(100));
        if let Ok(Some(msg)) = sub.next_timeout(wait).await {
            if msg.data() == b"after" {
                break killed.elapsed();
            }
        }
    };
    eprintln!("pub/sub recovered in {recovered:?}");
    assert!(subscriber.stats().reconnects >= 1 && publisher.stats().reconnects >= 1);
}
