//! `natskit queue work` processes on a 3-node cluster with a `replicas = 3` queue: while two
//! workers run and pushes continue, the stream leader or the consumer leader is killed
//! (SIGKILL). No acknowledged job is lost, duplicates stay within the jobs the workers held,
//! a worker takes jobs pushed after the kill within 10 s, and a worker sent SIGTERM after the
//! kill stops within `--sleep` + 1 s, during the election as after it.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use natskit::queue::PushOptions;
use natskit::{Client, ConnectionConfig, LocalCluster};
use serde_json::{json, Value};

const QUEUE: &str = "failover";
/// The workers' `--sleep`, seconds.
const SLEEP: f64 = 0.5;
/// How soon after a kill a job pushed after it must be worked.
const RECOVERY: Duration = Duration::from_secs(10);
/// How much longer than `--sleep` a worker may take to stop on SIGTERM.
const STOP: Duration = Duration::from_secs(1);
/// The same during an election: a pull left unanswered by the dead leader is given up as
/// soon as it expires once the worker is stopping (otherwise 2 s later, core's
/// `PULL_ANSWER_GRACE`).
const ELECTION_STOP: Duration = Duration::from_secs(1);
/// Jobs the two workers hold at once: each runs one and may have fetched one more.
const IN_FLIGHT: usize = 2 * 2;

/// The connection the test and the workers share, as JSON (a config file's connection).
fn connection(cluster: &LocalCluster) -> Value {
    json!({
        "servers": cluster.urls(),
        "reconnect": {"delay": 0.05},
        // A job whose ack was lost in the election runs again instead of failing as over-tried.
        "queue": {"replicas": 3, "retry_after": 2, "tries": 0},
    })
}

/// Which leader a test kills.
#[derive(Clone, Copy, Debug)]
enum Victim {
    StreamLeader,
    ConsumerLeader,
}

/// The node leading `victim`, once the stream and the queue's consumer have leaders on
/// different nodes (the consumer leader is moved off), so the kill hits one leader only.
async fn node_of(cluster: &LocalCluster, nc: &Client, victim: Victim) -> usize {
    let js = nc.jetstream();
    let stream = nc.config().queue.stream.clone();
    let consumer = format!("natskit_q_{QUEUE}");
    let leader = |info: natskit::Result<Value>| {
        let info = info.ok()?;
        cluster.node_named(info["cluster"]["leader"].as_str()?)
    };
    let stepdown = format!("CONSUMER.LEADER.STEPDOWN.{stream}.{consumer}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "no separate leaders within 20 s");
        let stream_leader = leader(js.stream_info(&stream).await);
        let consumer_leader = leader(js.consumer_info(&stream, &consumer).await);
        match (stream_leader, consumer_leader) {
            (Some(s), Some(c)) if s != c => {
                return match victim {
                    Victim::StreamLeader => s,
                    Victim::ConsumerLeader => c,
                }
            }
            (Some(_), Some(_)) => drop(js.api(&stepdown, &json!({})).await),
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// A `natskit --json queue work` process, the job ids it reported worked (with when) and
/// when it reported `stopped`; killed when dropped (a failed test leaves no worker behind).
struct WorkerProcess {
    child: Child,
    worked: Log,
    stopped: Arc<Mutex<Option<Instant>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// How long a worker took from SIGTERM to its `stopped` event and to its exit (after closing
/// its connection), and what it worked.
struct Terminated {
    stopped: Duration,
    exited: Duration,
    worked: Vec<(Instant, String)>,
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WorkerProcess {
    fn start(config: &Path) -> WorkerProcess {
        let sleep = SLEEP.to_string();
        let mut child = common::bare()
            .args([
                "--json",
                "--config",
                config.to_str().unwrap(),
                "queue",
                "work",
            ])
            .args([QUEUE, "--exec", "cat >/dev/null", "--sleep", &sleep])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start natskit queue work");
        let worked: Log = Arc::default();
        let stopped = Arc::new(Mutex::new(None));
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (record, stop) = (worked.clone(), stopped.clone());
        let reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let event: Value = serde_json::from_str(&line).expect("one JSON event per line");
                match event["event"].as_str() {
                    Some("processed") => {
                        let id = event["id"].as_str().unwrap().to_string();
                        record.lock().unwrap().push((Instant::now(), id));
                    }
                    Some("stopped") => *stop.lock().unwrap() = Some(Instant::now()),
                    _ => {}
                }
            }
        });
        WorkerProcess {
            child,
            worked,
            stopped,
            reader: Some(reader),
        }
    }

    /// Sends SIGTERM and waits for the process to exit (successfully).
    fn terminate(mut self) -> Terminated {
        let asked = Instant::now();
        // SAFETY: kill only sends a signal to our own child.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) },
            0
        );
        let deadline = asked + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the worker ignored SIGTERM for 30 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let exited = asked.elapsed();
        assert!(status.success(), "the worker exited with {status}");
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        let stopped = self.stopped.lock().unwrap().expect("a stopped event");
        Terminated {
            stopped: stopped - asked,
            exited,
            worked: self.worked.lock().unwrap().clone(),
        }
    }
}

/// Ids and when each was acknowledged (pushed) or reported worked.
type Log = Arc<Mutex<Vec<(Instant, String)>>>;

/// Pushes one job at a time into `acked` until `stop`.
async fn push_until(nc: Client, stop: Arc<AtomicBool>, acked: Log) {
    let queue = nc.queue(QUEUE).unwrap();
    let options = PushOptions::default();
    for n in 0u64.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let pushed = queue.push("Count", json!({ "n": n }), &options).await;
        let id = pushed.unwrap_or_else(|e| panic!("push {n} failed: {e}"));
        let id = id.expect("a job id");
        acked.lock().unwrap().push((Instant::now(), id));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// When a job acknowledged after `since` was first reported worked.
fn first_new_job_worked(acked: &Log, worked: &Log, since: Instant) -> Option<Instant> {
    let new: HashSet<String> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at > since)
        .map(|(_, id)| id.clone())
        .collect();
    let worked = worked.lock().unwrap();
    worked
        .iter()
        .find(|(_, id)| new.contains(id))
        .map(|(at, _)| *at)
}

/// SIGTERM to `worker` (off the async threads); asserts it stops within `--sleep` + `extra`.
async fn stops_promptly(
    worker: WorkerProcess,
    when: &str,
    extra: Duration,
) -> Vec<(Instant, String)> {
    let done = tokio::task::spawn_blocking(|| worker.terminate())
        .await
        .unwrap();
    let (stopped, exited) = (done.stopped, done.exited);
    eprintln!("a worker sent SIGTERM {when} stopped in {stopped:?}, exited in {exited:?}");
    let limit = Duration::from_secs_f64(SLEEP) + extra;
    assert!(
        stopped <= limit,
        "SIGTERM {when}: stopped after {stopped:?}, not within {limit:?}"
    );
    done.worked
}

/// Runs two workers while pushing, kills `victim`'s node, terminates one worker during the
/// election, checks the other takes new jobs within `RECOVERY`, then that every acknowledged
/// job was worked with few duplicates and the second worker stops promptly too.
async fn failover(victim: Victim) {
    let mut cluster = LocalCluster::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("natskit.json");
    let connection = connection(&cluster);
    let file = json!({"connections": {"main": connection.clone()}});
    std::fs::write(&config_file, file.to_string()).unwrap();
    let config = ConnectionConfig::from_json(&connection.to_string()).unwrap();
    let nc = Client::connect(&config).await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let acked: Log = Arc::default();
    let pushing = tokio::spawn(push_until(nc.clone(), stop.clone(), acked.clone()));
    let watched = WorkerProcess::start(&config_file);
    let terminated = WorkerProcess::start(&config_file);
    tokio::time::sleep(Duration::from_secs(2)).await;

    let node = node_of(&cluster, &nc, victim).await;
    cluster.kill(node).unwrap();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut worked = stops_promptly(terminated, "1 s after the kill", ELECTION_STOP).await;

    let recovered = loop {
        if let Some(at) = first_new_job_worked(&acked, &watched.worked, killed) {
            break at - killed;
        }
        assert!(
            killed.elapsed() < RECOVERY,
            "{victim:?} killed: no job pushed after the kill was worked within {RECOVERY:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    pushing.await.unwrap();

    let acked: Vec<String> = acked
        .lock()
        .unwrap()
        .iter()
        .map(|(_, id)| id.clone())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    let missing = |worked: &[(Instant, String)]| {
        let done: HashSet<&String> = worked.iter().map(|(_, id)| id).collect();
        acked.iter().filter(|id| !done.contains(id)).count()
    };
    while missing(&all(&worked, &watched.worked)) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worked.extend(stops_promptly(watched, "after the election", STOP).await);
    let lost = missing(&worked);
    let mut runs: HashMap<&String, usize> = HashMap::new();
    worked
        .iter()
        .for_each(|(_, id)| *runs.entry(id).or_default() += 1);
    let duplicates: usize = runs.values().map(|r| r - 1).sum();
    eprintln!(
        "{victim:?} (node {node}) killed: a new job worked after {recovered:?}; {} pushed, \
         {lost} lost, {duplicates} duplicates",
        acked.len()
    );
    assert_eq!(lost, 0, "acknowledged jobs never worked");
    assert!(
        duplicates <= IN_FLIGHT,
        "{duplicates} duplicates, more than the {IN_FLIGHT} jobs the workers held"
    );
    cluster.stop();
}

/// `done` and what `running` reported so far.
fn all(done: &[(Instant, String)], running: &Log) -> Vec<(Instant, String)> {
    let mut all = done.to_vec();
    all.extend(running.lock().unwrap().iter().cloned());
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_survive_the_stream_leader_dying() {
    failover(Victim::StreamLeader).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_survive_the_consumer_leader_dying() {
    failover(Victim::ConsumerLeader).await;
}
