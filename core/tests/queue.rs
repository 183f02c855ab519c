//! The job queue and worker against a real nats-server: lifecycle, delays, priorities,
//! unique jobs, sizes, the failed-jobs store and the dead-letter subject.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use natskit::queue::{
    Backoff, JobEvent, JobHandle, Outcome, PushOptions, Step, Worker, WorkerHook, WorkerOptions,
};
use natskit::{Client, ConnectionConfig, ErrorCode, LocalServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(2);

async fn connect(srv: &LocalServer, edit: impl FnOnce(&mut ConnectionConfig)) -> Client {
    let mut config = ConnectionConfig::for_url(&srv.url());
    config.queue.retry_after = 1.0;
    edit(&mut config);
    Client::connect(&config).await.unwrap()
}

/// The server updates consumer counters shortly after an ack: poll until they match.
async fn sizes(
    q: &natskit::queue::Queue,
    expected: (u64, u64, u64, u64),
) -> natskit::queue::QueueSize {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let s = q.size().await.unwrap();
        if (s.ready, s.reserved, s.delayed, s.failed) == expected || Instant::now() > deadline {
            assert_eq!(
                (s.ready, s.reserved, s.delayed, s.failed),
                expected,
                "(ready, reserved, delayed, failed)"
            );
            return s;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn boom(message: &str) -> Outcome {
    Outcome::Error {
        exception: "RuntimeError".into(),
        message: message.into(),
        trace: "at handler".into(),
    }
}

async fn worker(nc: &Client, queues: &[&str]) -> Worker {
    let options = WorkerOptions {
        queues: queues.iter().map(|q| q.to_string()).collect(),
        sleep: 0.5,
        ..Default::default()
    };
    Worker::new(nc, "default", options).unwrap()
}

async fn next_job(w: &Worker, wait: Duration) -> Option<natskit::queue::Job> {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match w.next(deadline - Instant::now()).await.unwrap() {
            Step::Job(j) => return Some(j),
            Step::Idle => continue,
            Step::Stop(r) => panic!("stopped: {r:?}"),
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn push_pop_complete() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let id = q
        .push(
            "SendEmail",
            json!({"to": "ada@example.com"}),
            &PushOptions::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(q.size().await.unwrap().ready, 1);
    let job = q.pop(WAIT).await.unwrap().expect("a job");
    assert_eq!(job.id(), id);
    assert_eq!(job.name(), "SendEmail");
    assert_eq!(job.payload()["to"], "ada@example.com");
    assert_eq!(job.attempts(), 1);
    let size = q.size().await.unwrap();
    assert_eq!((size.ready, size.reserved), (0, 1));
    assert_eq!(
        job.finish(Outcome::Success, None, None).await.unwrap(),
        JobEvent::Processed { id }
    );
    sizes(&q, (0, 0, 0, 0)).await;
    assert!(q.pop(Duration::from_millis(300)).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_tries_go_to_failed_store_and_dead_letter_subject() {
    let srv = common::server();
    let nc = connect(&srv, |c| {
        c.queue.dead_letter_subject = Some("jobs.dead".into())
    })
    .await;
    let mut dlq = nc.subscribe("jobs.dead", None).await.unwrap();
    let q = nc.queue("emails").unwrap();
    let opts = PushOptions {
        max_tries: Some(2),
        ..Default::default()
    };
    let id = q
        .push("Flaky", json!({"n": 1}), &opts)
        .await
        .unwrap()
        .unwrap();
    let w = worker(&nc, &["emails"]).await;
    let first = next_job(&w, WAIT).await.unwrap();
    assert!(matches!(
        w.finish(first, boom("first")).await.unwrap(),
        JobEvent::Retrying { .. }
    ));
    let second = next_job(&w, WAIT).await.unwrap();
    assert_eq!(second.attempts(), 2);
    let event = w.finish(second, boom("second")).await.unwrap();
    assert!(
        matches!(&event, JobEvent::Failed { reason, .. } if reason.contains("attempted 2 times")),
        "{event:?}"
    );

    let failed = q.failed().get(&id).await.unwrap();
    assert_eq!(
        (
            failed.queue.as_str(),
            failed.exception.as_str(),
            failed.message.as_str()
        ),
        ("emails", "RuntimeError", "second")
    );
    assert_eq!(failed.trace, "at handler");
    assert_eq!(failed.payload["attempts"], 2);
    let dead: serde_json::Value = dlq
        .next_timeout(Some(WAIT))
        .await
        .unwrap()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(dead["original_queue"], "emails");
    assert_eq!(dead["original_connection"], "default");
    assert_eq!(dead["failure_message"], "second");
    assert_eq!(dead["failure_exception"], "RuntimeError");
    assert_eq!(dead["payload"]["data"]["n"], 1);
    assert!(dead["failed_at"].as_f64().unwrap() > 0.0);
    // A failed job is not also left in the queue.
    sizes(&q, (0, 0, 0, 1)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backoff_list_delays_each_retry() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let opts = PushOptions {
        max_tries: Some(3),
        backoff: Some(Backoff::List(vec![1.0, 2.0])),
        ..Default::default()
    };
    q.push("Backoff", json!(null), &opts).await.unwrap();
    let w = worker(&nc, &["default"]).await;
    let mut job = next_job(&w, WAIT).await.unwrap();
    for (attempt, expected) in [(1, 1.0), (2, 2.0)] {
        assert_eq!(job.attempts(), attempt);
        let failed_at = Instant::now();
        let event = w.finish(job, boom("again")).await.unwrap();
        assert!(
            matches!(event, JobEvent::Retrying { delay, .. } if delay == expected),
            "{event:?}"
        );
        assert_eq!(q.size().await.unwrap().delayed, 1);
        job = next_job(&w, Duration::from_secs_f64(expected + 3.0))
            .await
            .expect("retried");
        let waited = failed_at.elapsed().as_secs_f64();
        assert!(
            waited >= expected - 0.05,
            "retry after {waited:.2} s, backoff {expected} s"
        );
    }
    assert_eq!(job.attempts(), 3);
    assert!(matches!(
        w.finish(job, Outcome::Success).await.unwrap(),
        JobEvent::Processed { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_until_beats_tries() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    // One try only, but retry-until 1.5 s from now: errors are retried until then.
    let opts = PushOptions {
        max_tries: Some(1),
        retry_until: Some(1.5),
        backoff: Some(Backoff::Fixed(0.3)),
        ..Default::default()
    };
    let id = q
        .push("Deadline", json!(null), &opts)
        .await
        .unwrap()
        .unwrap();
    let w = worker(&nc, &["default"]).await;
    let started = Instant::now();
    let mut retries = 0;
    while let Some(job) = next_job(&w, WAIT).await {
        match w.finish(job, boom("not yet")).await.unwrap() {
            JobEvent::Retrying { .. } => retries += 1,
            JobEvent::Failed { reason, .. } => {
                assert!(reason.contains("retry-until"), "{reason}");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        retries >= 2,
        "tries=1 would have failed at once; retried {retries} times"
    );
    assert!(started.elapsed() >= Duration::from_millis(1400));
    let failed = q.failed().get(&id).await.unwrap();
    assert!(failed.message.contains("retry-until"), "{}", failed.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn max_exceptions_count_errors_not_releases() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let opts = PushOptions {
        max_tries: Some(10),
        max_exceptions: Some(2),
        ..Default::default()
    };
    let id = q.push("Picky", json!(null), &opts).await.unwrap().unwrap();
    let w = worker(&nc, &["default"]).await;
    let mut events = Vec::new();
    for outcome in [
        Outcome::Release(Duration::ZERO),
        Outcome::Release(Duration::ZERO),
        boom("one"),
        Outcome::Release(Duration::ZERO),
        boom("two"),
    ] {
        let job = next_job(&w, WAIT).await.expect("job");
        events.push(w.finish(job, outcome).await.unwrap());
    }
    assert!(matches!(events[0], JobEvent::Released { .. }));
    assert!(matches!(events[2], JobEvent::Retrying { .. }));
    assert!(
        matches!(&events[4], JobEvent::Failed { reason, .. } if reason.contains("2 exceptions")),
        "{:?}",
        events[4]
    );
    let failed = q.failed().get(&id).await.unwrap();
    assert_eq!(
        failed.payload["attempts"], 5,
        "every delivery counts as an attempt"
    );
    assert_eq!(failed.payload["exceptions"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn release_with_delay_and_explicit_fail_and_delete() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let w = worker(&nc, &["default"]).await;
    q.push(
        "Later",
        json!(1),
        &PushOptions {
            max_tries: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let job = next_job(&w, WAIT).await.unwrap();
    let released_at = Instant::now();
    w.finish(job, Outcome::Release(Duration::from_secs(1)))
        .await
        .unwrap();
    assert!(
        q.pop(Duration::from_millis(500)).await.unwrap().is_none(),
        "released job came back early"
    );
    let job = next_job(&w, Duration::from_secs(4)).await.unwrap();
    assert!(released_at.elapsed() >= Duration::from_millis(950));
    assert_eq!(job.attempts(), 2);
    let id = job.id().to_string();
    assert!(matches!(
        w.finish(job, Outcome::Fail("bad input".into()))
            .await
            .unwrap(),
        JobEvent::Failed { .. }
    ));
    assert_eq!(q.failed().get(&id).await.unwrap().message, "bad input");

    q.push(
        "Gone",
        json!(2),
        &PushOptions {
            max_tries: Some(5),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let job = next_job(&w, WAIT).await.unwrap();
    assert!(matches!(
        w.finish(job, Outcome::Delete).await.unwrap(),
        JobEvent::Deleted { .. }
    ));
    sizes(&q, (0, 0, 0, 1)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_counts_as_a_failed_attempt() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let opts = PushOptions {
        max_tries: Some(2),
        timeout: Some(0.2),
        ..Default::default()
    };
    let id = q.push("Slow", json!(null), &opts).await.unwrap().unwrap();
    let options = WorkerOptions {
        stop_when_empty: true,
        sleep: 0.5,
        ..Default::default()
    };
    let w = Arc::new(Worker::new(&nc, "default", options).unwrap());
    let stats = w
        .clone()
        .run(|_job| async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Outcome::Success
        })
        .await
        .unwrap();
    assert_eq!(
        (stats.retried, stats.failed, stats.processed),
        (1, 1, 0),
        "{stats:?}"
    );
    let failed = q.failed().get(&id).await.unwrap();
    assert_eq!(failed.exception, "TimeoutExceeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn delayed_job_appears_at_its_time() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let pushed = Instant::now();
    q.later(
        Duration::from_millis(1500),
        "Reminder",
        json!({"at": "later"}),
        &PushOptions::default(),
    )
    .await
    .unwrap();
    let size = q.size().await.unwrap();
    assert_eq!((size.ready, size.delayed), (0, 1));
    assert!(
        q.pop(Duration::from_millis(800)).await.unwrap().is_none(),
        "visible before its time"
    );
    let job = q
        .pop(Duration::from_secs(4))
        .await
        .unwrap()
        .expect("visible after its time");
    assert!(pushed.elapsed() >= Duration::from_millis(1450));
    assert_eq!(job.payload()["at"], "later");
    assert_eq!(q.size().await.unwrap().delayed, 0);
    job.finish(Outcome::Success, None, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn priority_follows_queue_order() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let low = nc.queue("low").unwrap();
    let high = nc.queue("high").unwrap();
    for i in 0..3 {
        low.push("L", json!(i), &PushOptions::default())
            .await
            .unwrap();
    }
    for i in 0..3 {
        high.push("H", json!(i), &PushOptions::default())
            .await
            .unwrap();
    }
    let w = worker(&nc, &["high", "low"]).await;
    let mut order = String::new();
    for _ in 0..6 {
        let job = next_job(&w, WAIT).await.unwrap();
        order.push_str(job.name());
        w.finish(job, Outcome::Success).await.unwrap();
    }
    assert_eq!(order, "HHHLLL");
}

#[tokio::test(flavor = "multi_thread")]
async fn unique_jobs_are_ignored_or_refused_while_pending() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let opts = PushOptions {
        unique_key: Some("report:2026-11".into()),
        ..Default::default()
    };
    assert!(q.push("Report", json!(1), &opts).await.unwrap().is_some());
    assert!(
        q.push("Report", json!(2), &opts).await.unwrap().is_none(),
        "duplicate ignored"
    );
    assert_eq!(q.size().await.unwrap().ready, 1);
    let job = q.pop(WAIT).await.unwrap().unwrap();
    assert!(
        q.push("Report", json!(3), &opts).await.unwrap().is_none(),
        "ignored while running"
    );
    job.finish(Outcome::Success, None, None).await.unwrap();
    assert!(
        q.push("Report", json!(4), &opts).await.unwrap().is_some(),
        "free again once done"
    );

    let strict = connect(&srv, |c| {
        c.queue.unique = natskit::config::UniquePolicy::Refuse
    })
    .await;
    let err = strict
        .queue("default")
        .unwrap()
        .push("Report", json!(5), &opts)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Queue);
    assert!(err.message().contains("report:2026-11"), "{err}");

    // Clearing the queue frees the locks of the jobs it removed; a job pushed after the
    // clear is kept.
    let later = PushOptions {
        delay: Some(60.0),
        unique_key: Some("delayed-report".into()),
        ..Default::default()
    };
    assert!(q.push("Report", json!(6), &later).await.unwrap().is_some());
    let cleared = q.clear_jobs().await.unwrap();
    let mut data: Vec<_> = cleared.iter().map(|e| e.data.clone()).collect();
    data.sort_by_key(|d| d.as_i64());
    assert_eq!(data, [json!(4), json!(6)]);
    assert_eq!(
        q.size().await.unwrap().ready + q.size().await.unwrap().delayed,
        0
    );
    assert!(
        q.push("Report", json!(7), &opts).await.unwrap().is_some(),
        "lock freed"
    );
    assert!(
        q.push("Report", json!(8), &later).await.unwrap().is_some(),
        "lock freed"
    );
    assert_eq!(q.clear().await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_jobs_list_retry_forget_flush() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let w = worker(&nc, &["default"]).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            q.push("Doomed", json!(i), &PushOptions::default())
                .await
                .unwrap()
                .unwrap(),
        );
        let job = next_job(&w, WAIT).await.unwrap();
        w.finish(job, boom("nope")).await.unwrap();
    }
    let store = q.failed();
    let listed: Vec<String> = store
        .list(Some("default"))
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(listed, ids, "oldest first");
    assert_eq!(store.list(Some("other")).await.unwrap().len(), 0);

    assert_eq!(store.retry(&ids[..1]).await.unwrap(), ids[..1]);
    let job = next_job(&w, WAIT).await.unwrap();
    assert_eq!(job.id(), ids[0]);
    assert_eq!(job.attempts(), 1, "attempts reset on retry");
    w.finish(job, Outcome::Success).await.unwrap();
    assert_eq!(store.count(None).await.unwrap(), 2);

    assert!(store.forget(&ids[1]).await.unwrap());
    assert!(!store.forget(&ids[1]).await.unwrap());
    assert_eq!(
        store.get(&ids[1]).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        store
            .retry(&["missing".to_string()])
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        store.flush(Some(Duration::from_secs(3600))).await.unwrap(),
        0,
        "nothing older than an hour"
    );
    assert_eq!(store.flush(None).await.unwrap(), 1);
    assert_eq!(store.count(None).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn size_reports_every_state() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    for i in 0..4 {
        q.push("Job", json!(i), &PushOptions::default())
            .await
            .unwrap();
    }
    q.later(
        Duration::from_secs(60),
        "Job",
        json!("later"),
        &PushOptions::default(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let taken = q.pop(WAIT).await.unwrap().unwrap();
    let failing = q.pop(WAIT).await.unwrap().unwrap();
    failing.finish(boom("x"), None, None).await.unwrap();
    let size = sizes(&q, (2, 1, 1, 1)).await;
    assert!(size.oldest_age >= 0.25, "{size:?}");
    taken.finish(Outcome::Success, None, None).await.unwrap();
    assert_eq!(q.clear().await.unwrap(), 3, "two ready + one delayed");
    let size = sizes(&q, (0, 0, 0, 1)).await;
    assert_eq!(size.oldest_age, 0.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn abandoned_job_is_redelivered_after_retry_after() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    q.push(
        "Crashy",
        json!(null),
        &PushOptions {
            max_tries: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let job = q.pop(WAIT).await.unwrap().unwrap();
    let dropped_at = Instant::now();
    drop(job); // the worker "dies": no ack, no heartbeat
    let again = q
        .pop(Duration::from_secs(4))
        .await
        .unwrap()
        .expect("redelivered");
    assert!(dropped_at.elapsed() >= Duration::from_millis(900));
    assert_eq!(again.attempts(), 2);
    again.finish(Outcome::Success, None, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn heartbeat_keeps_a_long_job_reserved() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    q.push("Long", json!(null), &PushOptions::default())
        .await
        .unwrap();
    let job = q.pop(WAIT).await.unwrap().unwrap();
    let id = job.id().to_string();
    // Three visibility timeouts pass while the job is held.
    assert!(
        q.pop(Duration::from_secs(3)).await.unwrap().is_none(),
        "redelivered while running"
    );
    assert_eq!(
        job.finish(Outcome::Success, None, None).await.unwrap(),
        JobEvent::Processed { id }
    );
    sizes(&q, (0, 0, 0, 0)).await;
}

/// The `queue_worker` example binary (built on demand with the same cargo).
fn worker_binary() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap();
    let path = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/queue_worker");
    let built = std::process::Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "natskit", "--example", "queue_worker"])
        .status()
        .unwrap();
    assert!(
        built.success() && path.is_file(),
        "cannot build {}",
        path.display()
    );
    path
}

async fn done_ids(js: &natskit::jetstream::Context) -> (usize, usize) {
    use futures::StreamExt;
    let stream = js.nats().get_stream("DONE").await.unwrap();
    let total = stream.get_info().await.unwrap().state.messages as usize;
    let mut unique = std::collections::HashSet::new();
    let mut info = stream.info_with_subjects("done.*").await.unwrap();
    while let Some(Ok((subject, _))) = info.next().await {
        unique.insert(subject);
    }
    (unique.len(), total)
}

/// Polls `done_ids` until at least `target` distinct jobs are recorded.
async fn wait_done(js: &natskit::jetstream::Context, target: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while done_ids(js).await.0 < target {
        assert!(Instant::now() < deadline, "no progress: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls until the worker holds a reserved job, so the next disruption lands mid-job.
async fn wait_mid_job(q: &natskit::queue::Queue) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while q.size().await.map(|s| s.reserved).unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "the worker never held a job");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_job_is_lost_when_workers_are_killed_and_the_server_restarts() {
    const JOBS: usize = 2000;
    const CONCURRENCY: usize = 4;
    // Three SIGKILLs of the worker and one server restart, each while jobs are in flight.
    const DISRUPTIONS: usize = 4;
    let mut srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let js = nc.jetstream();
    js.nats()
        .create_stream(async_nats::jetstream::stream::Config {
            name: "DONE".into(),
            subjects: vec!["done.*".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let q = nc.queue("default").unwrap();
    let jobs: Vec<natskit::queue::NewJob> = (0..JOBS)
        .map(|i| natskit::queue::NewJob {
            job: "Count".into(),
            data: json!(i),
            options: PushOptions::default(),
        })
        .collect();
    q.push_many(&jobs).await.unwrap();
    let url = srv.url();
    let binary = worker_binary();
    let spawn = || {
        std::process::Command::new(&binary)
            .args([url.as_str(), &CONCURRENCY.to_string()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut child = spawn();
    for round in 1..=DISRUPTIONS {
        wait_done(&js, round * JOBS / 6, &format!("before disruption {round}")).await;
        wait_mid_job(&q).await;
        if round == 3 {
            // The worker stays up and connected through the restart and must recover by itself.
            srv.start_again().unwrap();
            wait_done(&js, (round + 1) * JOBS / 6, "after the server restart").await;
            assert!(
                child.try_wait().unwrap().is_none(),
                "the worker exited across the server restart"
            );
        } else {
            child.kill().unwrap(); // SIGKILL, mid-job
            child.wait().unwrap();
            child = spawn();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    let unique = loop {
        let (unique, _) = done_ids(&js).await;
        if unique == JOBS || Instant::now() > deadline {
            break unique;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(unique, JOBS, "jobs lost");
    // The last worker also finishes the redelivered copies: nothing stays behind.
    sizes(&q, (0, 0, 0, 0)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let (_, total) = done_ids(&js).await;
    // A job completes twice only if it was in flight at a disruption: running, or, at the
    // server restart, held by the worker (a restarted server may deliver again what it had
    // handed out just before, up to one adaptive pull of 64).
    let in_flight = CONCURRENCY * DISRUPTIONS + 64;
    assert!(
        total - unique <= in_flight,
        "{} duplicate completions, at most {in_flight} jobs were in flight",
        total - unique,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graceful_stop_leaves_nothing_reserved() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    for i in 0..50 {
        q.push("Work", json!(i), &PushOptions::default())
            .await
            .unwrap();
    }
    let options = WorkerOptions {
        concurrency: 4,
        sleep: 0.2,
        ..Default::default()
    };
    let w = Arc::new(Worker::new(&nc, "default", options).unwrap());
    let stopper = w.clone();
    let run = tokio::spawn(w.clone().run(|_| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Outcome::Success
    }));
    let deadline = Instant::now() + WAIT;
    while q.size().await.unwrap().ready == 50 {
        assert!(Instant::now() < deadline, "the worker took no job");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stopper.stop(); // what SIGTERM does in the hosts
    let stats = tokio::time::timeout(WAIT, run)
        .await
        .expect("the worker stops promptly")
        .unwrap()
        .unwrap();
    assert!(stats.processed < 50, "{stats:?}");
    let size = sizes(&q, (50 - stats.processed, 0, 0, 0)).await;
    assert_eq!(size.reserved, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreadable_envelope_goes_to_the_failed_store() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    q.push("Valid", json!(1), &PushOptions::default())
        .await
        .unwrap();
    let ack = nc
        .jetstream()
        .nats()
        .publish(q.ready_subject(), "{not json".into())
        .await
        .unwrap();
    ack.await.unwrap();
    let jobs = q.pop_many(10, WAIT).await.unwrap();
    let names: Vec<&str> = jobs.iter().map(|j| j.name()).collect();
    for j in &jobs {
        eprintln!("{} {} {:?}", j.id(), j.attempts(), j.envelope());
    }
    assert_eq!(names, ["Valid"], "the unreadable one is not handed out");
    assert_eq!(jobs[0].name(), "Valid");
    let failed = q.failed().list(None).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].exception, "InvalidPayload");
    assert_eq!(failed[0].payload["data"], "{not json");
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_names_lists_queues_with_jobs_delayed_jobs_or_a_consumer() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    assert!(natskit::queue::queue_names(&nc).await.unwrap().is_empty());
    for name in ["mail", "billing"] {
        nc.queue(name)
            .unwrap()
            .push("Job", json!(1), &PushOptions::default())
            .await
            .unwrap();
    }
    nc.queue("idle").unwrap().size().await.unwrap();
    nc.queue("later")
        .unwrap()
        .later(
            Duration::from_secs(60),
            "Job",
            json!(2),
            &PushOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        natskit::queue::queue_names(&nc).await.unwrap(),
        ["billing", "idle", "later", "mail"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn push_many_stores_every_job_before_returning() {
    use natskit::queue::NewJob;
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("bulk").unwrap();
    let mut jobs: Vec<NewJob> = (0..300)
        .map(|i| NewJob {
            job: "Bulk".into(),
            data: json!(i),
            options: PushOptions::default(),
        })
        .collect();
    let unique = PushOptions {
        unique_key: Some("only-once".into()),
        ..Default::default()
    };
    jobs.push(NewJob {
        job: "Once".into(),
        data: json!(1),
        options: unique.clone(),
    });
    jobs.push(NewJob {
        job: "Once".into(),
        data: json!(2),
        options: unique,
    });
    let later = PushOptions {
        delay: Some(60.0),
        ..Default::default()
    };
    jobs.push(NewJob {
        job: "Later".into(),
        data: json!(3),
        options: later,
    });
    let ids = q.push_many(&jobs).await.unwrap();
    assert_eq!(ids.len(), 303);
    assert_eq!(
        ids.iter().filter(|id| id.is_none()).count(),
        1,
        "the unique duplicate is ignored"
    );
    let distinct: std::collections::HashSet<_> = ids.iter().flatten().collect();
    assert_eq!(distinct.len(), 302);
    let size = q.size().await.unwrap();
    assert_eq!((size.ready, size.delayed), (301, 1));
    let first = q.pop(WAIT).await.unwrap().unwrap();
    assert_eq!(
        (first.name(), first.payload().clone()),
        ("Bulk", json!(0)),
        "order kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prefetch_hands_out_one_job_a_call_and_unreserves_the_rest() {
    let srv = common::server();
    let nc = connect(&srv, |c| c.queue.retry_after = 30.0).await;
    let q = nc.queue("laravel").unwrap();
    for n in 0..5 {
        q.push("Job", json!(n), &PushOptions::default())
            .await
            .unwrap();
    }
    let ack = nc
        .jetstream()
        .nats()
        .publish(q.ready_subject(), "garbage".into())
        .await
        .unwrap();
    ack.await.unwrap();
    let prefetch = natskit::queue::Prefetch::new(q.clone(), 4);
    let first = prefetch.pop(WAIT).await.unwrap().unwrap();
    assert_eq!((first.payload(), first.attempts()), (&json!(0), 1));
    assert_eq!(prefetch.buffered(), 3, "one pull took four");
    assert_eq!(prefetch.unreserve().await.unwrap(), 3);
    first.finish(Outcome::Delete, None, None).await.unwrap();
    let mut seen = Vec::new();
    let mut invalid = Vec::new();
    while let Some(job) = prefetch.pop(Duration::from_millis(300)).await.unwrap() {
        match job.invalid() {
            Some(why) => invalid.push(why.to_string()),
            None => seen.push((job.payload().clone(), job.attempts())),
        }
        job.finish(Outcome::Delete, None, None).await.unwrap();
    }
    seen.sort_by_key(|(n, _)| n.as_i64());
    let expected: Vec<_> = (1..5).map(|n| (json!(n), 1)).collect();
    assert_eq!(
        seen, expected,
        "unreserved jobs come back with attempts untouched"
    );
    assert_eq!(invalid.len(), 1);
    assert!(invalid[0].contains("not a job"), "{}", invalid[0]);
    assert!(
        q.failed().list(None).await.unwrap().is_empty(),
        "the host fails it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn copies_escape_the_duplicate_window_and_reports_reach_store_and_dead_letters() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let env: natskit::queue::Envelope =
        serde_json::from_value(json!({"uuid": "u-1", "job": "Laravel", "backoff": "1,2"})).unwrap();
    let ids = q
        .push_envelopes(vec![
            (env.clone(), Duration::ZERO),
            (env.clone(), Duration::ZERO),
        ])
        .await
        .unwrap();
    assert_eq!(ids, [Some("u-1".into()), Some("u-1".into())]);
    assert_eq!(q.size().await.unwrap().ready, 1, "same uuid: stored once");
    q.push_copy(env.clone(), Duration::ZERO).await.unwrap();
    assert_eq!(q.size().await.unwrap().ready, 2, "a copy is stored again");

    let mut dead = nc.subscribe("laravel.queue.failed", None).await.unwrap();
    nc.flush().await.unwrap();
    let failed: natskit::queue::FailedJob = serde_json::from_value(json!({
        "id": "u-1", "connection": "nats", "queue": "default",
        "payload": serde_json::to_value(&env).unwrap(),
        "exception": "RuntimeException", "message": "boom"
    }))
    .unwrap();
    q.failed()
        .report(failed.clone(), false, Some("laravel.queue.failed"))
        .await
        .unwrap();
    let letter: serde_json::Value = serde_json::from_slice(
        dead.next_timeout(Some(WAIT))
            .await
            .unwrap()
            .unwrap()
            .payload(),
    )
    .unwrap();
    assert_eq!(letter["original_connection"], "nats");
    assert_eq!(letter["failure_message"], "boom");
    assert_eq!(letter["payload"]["backoff"], "1,2");
    assert!(letter["failed_at"].as_f64().unwrap() > 0.0);
    assert!(
        q.failed().list(None).await.unwrap().is_empty(),
        "store = false"
    );
    q.failed().report(failed, true, None).await.unwrap();
    assert_eq!(q.failed().get("u-1").await.unwrap().message, "boom");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_over_the_servers_max_payload_is_refused_before_sending() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let big = "x".repeat(nc.max_payload() + 1);
    let err = q
        .push("Big", json!(big), &PushOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PayloadTooLarge, "{err}");
    assert_eq!(q.size().await.unwrap().ready, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_handle_is_finished_once_directly_or_through_its_worker() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("handles").unwrap();
    let opts = PushOptions::default();
    q.push("A", json!(1), &opts).await.unwrap();
    let handle = JobHandle::new(q.pop(WAIT).await.unwrap().expect("a job"), None);
    assert!(!handle.is_finished());
    let event = handle.finish(Outcome::Delete).await.unwrap();
    assert_eq!(event.name(), "deleted");
    assert!(handle.is_finished());
    assert_eq!(handle.event(), Some(event.clone()));
    let again = handle.finish(Outcome::Success).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::Queue);
    assert!(
        again.message().contains("already finished"),
        "{}",
        again.message()
    );

    // Through a worker: the handler's own release is what the loop's settle reports,
    // and the worker counts it once.
    q.push("B", json!(2), &opts).await.unwrap();
    let w = Arc::new(worker(&nc, &["handles"]).await);
    let job = next_job(&w, WAIT).await.expect("a job");
    let handle = JobHandle::new(job, Some(w.clone()));
    let released = handle
        .finish(Outcome::Release(Duration::from_secs(30)))
        .await
        .unwrap();
    let settled = handle.settle(Outcome::Success).await.unwrap();
    assert_eq!(settled, released);
    assert_eq!(w.stats().retried, 1);
    assert_eq!(w.stats().processed, 0);
    sizes(&q, (0, 0, 1, 0)).await;

    // Not finished by the handler: settle finishes it with the loop's outcome.
    q.push("C", json!(3), &opts).await.unwrap();
    let handle = JobHandle::new(next_job(&w, WAIT).await.expect("a job"), Some(w.clone()));
    assert_eq!(
        handle.settle(Outcome::Success).await.unwrap().name(),
        "processed"
    );
    assert_eq!(
        handle.finish(Outcome::Success).await.unwrap_err().code(),
        ErrorCode::Queue
    );
}

#[test]
fn job_events_name_the_hook_that_hears_them() {
    let retry = JobEvent::Retrying {
        id: "j1".into(),
        delay: 2.0,
        message: "boom".into(),
    };
    assert_eq!(
        serde_json::to_value(&retry).unwrap(),
        json!({"event": "retrying", "hook": "released", "id": "j1", "delay": 2.0, "message": "boom"})
    );
    let deleted = serde_json::to_value(JobEvent::Deleted { id: "j2".into() }).unwrap();
    assert_eq!(
        deleted,
        json!({"event": "deleted", "hook": "processed", "id": "j2"})
    );
    let names: Vec<&str> = WorkerHook::ALL.iter().map(|h| h.as_str()).collect();
    assert_eq!(
        names,
        ["processing", "processed", "released", "exception", "failed"]
    );
    assert_eq!(WorkerHook::parse("released").unwrap(), WorkerHook::Released);
    let e = WorkerHook::parse("retrying").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(
        e.message().contains("`released` hears `retrying`"),
        "{}",
        e.message()
    );
}

#[test]
fn worker_options_name_their_queues_queues() {
    let o = WorkerOptions::from_json(Some(r#"{"queues": ["high", "low"]}"#)).unwrap();
    assert_eq!(o.queues, ["high", "low"]);
    let e = WorkerOptions::from_json(Some(r#"{"queue": ["high"]}"#)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
}

/// A pull the server keeps without an expiry outlives the worker that sent it: every pull of a
/// pop (the one for what is ready now included) must carry `expires`.
#[tokio::test(flavor = "multi_thread")]
async fn every_pull_of_a_pop_carries_expires() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    q.push("Ready", json!({}), &PushOptions::default())
        .await
        .unwrap();
    let mut pulls = nc
        .subscribe("$JS.API.CONSUMER.MSG.NEXT.>", None)
        .await
        .unwrap();
    nc.flush().await.unwrap();
    let held = q.pop(Duration::from_millis(200)).await.unwrap();
    assert!(held.is_some());
    let started = Instant::now();
    assert!(q.pop(Duration::from_millis(200)).await.unwrap().is_none());
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    let mut seen = 0;
    while let Some(pull) = pulls.next_timeout(common::SHORT).await.unwrap() {
        let request: serde_json::Value = serde_json::from_slice(pull.data()).unwrap();
        assert!(request["expires"].as_u64() > Some(0), "{request}");
        seen += 1;
    }
    assert!(seen >= 3, "{seen} pulls seen");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_push_with_the_same_job_id_is_stored_once() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let opts = PushOptions {
        id: Some("order-7".into()),
        ..Default::default()
    };
    for data in [json!(1), json!(2)] {
        q.push("Ship", data, &opts).await.unwrap();
    }
    sizes(&q, (1, 0, 0, 0)).await;
    let job = q.pop(WAIT).await.unwrap().expect("the first push");
    assert_eq!((job.id(), job.payload()), ("order-7", &json!(1)));
    job.finish(Outcome::Success, None, None).await.unwrap();
    assert!(q.pop(Duration::from_millis(300)).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn flush_with_hours_forgets_only_the_older_failed_jobs() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    for (id, age_hours) in [("old", 2.0), ("new", 0.5)] {
        let failed: natskit::queue::FailedJob = serde_json::from_value(json!({
            "id": id, "connection": "default", "queue": "default", "payload": {},
            "exception": "RuntimeError", "message": "boom",
            "failed_at": now - age_hours * 3600.0,
        }))
        .unwrap();
        q.failed().report(failed, true, None).await.unwrap();
    }
    let flushed = q
        .failed()
        .flush(Some(Duration::from_secs(3600)))
        .await
        .unwrap();
    assert_eq!(flushed, 1);
    let left: Vec<String> = q
        .failed()
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(left, ["new"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_stops_at_max_time_and_at_the_memory_limit_and_rests_after_each_job() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    let started = Instant::now();
    let timed = Worker::new(
        &nc,
        "default",
        WorkerOptions {
            max_time: 0.5,
            sleep: 0.1,
            ..Default::default()
        },
    )
    .unwrap();
    let stop = loop {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "max_time ignored"
        );
        if let Step::Stop(reason) = timed.next(Duration::from_millis(100)).await.unwrap() {
            break reason;
        }
    };
    assert_eq!(stop, natskit::queue::StopReason::MaxTime);
    assert!(started.elapsed() >= Duration::from_millis(450));

    let options = WorkerOptions {
        memory: 64,
        rest: 0.4,
        sleep: 0.1,
        ..Default::default()
    };
    let w = Worker::new(&nc, "default", options).unwrap();
    for i in 0..2 {
        q.push("Job", json!(i), &PushOptions::default())
            .await
            .unwrap();
    }
    let job = next_job(&w, WAIT).await.unwrap();
    let finished = Instant::now();
    w.finish(job, Outcome::Success).await.unwrap();
    next_job(&w, WAIT).await.expect("the second job");
    assert!(
        finished.elapsed() >= Duration::from_millis(380),
        "no rest between jobs: {:?}",
        finished.elapsed()
    );
    w.report_memory(65);
    assert!(matches!(
        w.next(Duration::from_millis(100)).await.unwrap(),
        Step::Stop(natskit::queue::StopReason::Memory)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn unique_locks_expire_so_a_lost_release_cannot_block_a_key_for_ever() {
    let srv = common::server();
    let nc = connect(&srv, |c| c.queue.unique_for = 1.0).await;
    // A bucket made before locks expired (no message TTLs) is upgraded on first use.
    let js = nc.jetstream();
    js.create_kv(&js.kv_config(json!({"bucket": "natskit_unique"})).unwrap())
        .await
        .unwrap();
    let q = nc.queue("default").unwrap();
    let key = |k: &str| PushOptions {
        unique_key: Some(k.into()),
        ..Default::default()
    };
    assert!(q.push("Sync", json!(1), &key("k")).await.unwrap().is_some());
    // The job disappears without its lock being released (as when a worker dies between
    // its ack and the release, or a push dies between the lock and the store).
    js.purge_stream("NATSKIT_JOBS", &Default::default())
        .await
        .unwrap();
    assert!(
        q.push("Sync", json!(2), &key("k")).await.unwrap().is_none(),
        "still locked"
    );
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        if q.push("Sync", json!(3), &key("k")).await.unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the lock never expired");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let started = Instant::now();

    // A delayed job's lock lasts its delay plus unique_for.
    q.later(Duration::from_secs(3), "Later", json!(1), &key("d"))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert!(
        q.push("Later", json!(2), &key("d"))
            .await
            .unwrap()
            .is_none(),
        "a delayed job keeps its key until it is due (and unique_for after)"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    let bad = ConnectionConfig {
        queue: natskit::config::QueueConfig {
            unique_for: 0.5,
            ..Default::default()
        },
        ..ConnectionConfig::for_url(&srv.url())
    };
    assert_eq!(bad.validate().unwrap_err().code(), ErrorCode::Config);
}

/// Pushes `n` jobs numbered from 0 in one batch.
async fn push_numbered(q: &natskit::queue::Queue, n: usize) {
    let jobs: Vec<natskit::queue::NewJob> = (0..n)
        .map(|i| natskit::queue::NewJob {
            job: "Quick".into(),
            data: json!(i),
            options: PushOptions::default(),
        })
        .collect();
    q.push_many(&jobs).await.unwrap();
}

/// Works quick jobs with `w` until the queue counts more than `held` reserved ones; returns
/// how many it finished.
async fn work_until_holding(w: &Worker, q: &natskit::queue::Queue, held: u64) -> u64 {
    let mut finished = 0;
    let mut first = true;
    loop {
        let job = next_job(w, WAIT).await.expect("a job");
        if first {
            let reserved = q.size().await.unwrap().reserved;
            assert_eq!(reserved, 1, "the first pull takes one job");
            first = false;
        }
        w.finish(job, Outcome::Success).await.unwrap();
        finished += 1;
        // Counted between jobs (a job's run time sizes the pulls): what the worker holds,
        // and perhaps the ack of the job just finished.
        let reserved = q.size().await.unwrap().reserved;
        assert!(reserved <= 64, "an adaptive pull takes at most 64 jobs");
        if reserved > held {
            return finished;
        }
        assert!(finished < 100, "the pulls never grew");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn default_worker_grows_its_pulls_and_a_limit_hands_back_what_it_holds() {
    let srv = common::server();
    // A long ack wait: only an immediate hand-back makes held jobs ready again in time.
    let nc = connect(&srv, |c| c.queue.retry_after = 30.0).await;
    let q = nc.queue("default").unwrap();
    push_numbered(&q, 200).await;
    let options = WorkerOptions {
        max_jobs: 40,
        sleep: 0.5,
        ..Default::default()
    };
    let w = Worker::new(&nc, "default", options).unwrap();
    assert_eq!(w.options().prefetch, 0, "adaptive by default");
    let mut done = 0;
    let mut most = 0;
    loop {
        match w.next(WAIT).await.unwrap() {
            Step::Job(job) => {
                if done == 0 {
                    assert_eq!(
                        q.size().await.unwrap().reserved,
                        1,
                        "the first pull takes one"
                    );
                }
                w.finish(job, Outcome::Success).await.unwrap();
                done += 1;
                // Counted between jobs (a job's run time sizes the pulls): what the worker
                // holds, and perhaps the ack of the job just finished.
                most = most.max(q.size().await.unwrap().reserved);
            }
            Step::Stop(reason) => {
                assert_eq!(reason, natskit::queue::StopReason::MaxJobs);
                break;
            }
            Step::Idle => panic!("jobs are waiting"),
        }
    }
    assert_eq!(done, 40);
    assert!((8..=64).contains(&most), "pulls grew to {most}");
    // Every held job is ready again long before the 30 s ack wait.
    sizes(&q, (160, 0, 0, 0)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_job_hands_back_the_jobs_its_worker_holds_to_an_idle_worker() {
    let srv = common::server();
    let nc = connect(&srv, |c| c.queue.retry_after = 30.0).await;
    let q = nc.queue("default").unwrap();
    push_numbered(&q, 200).await;
    let a = worker(&nc, &["default"]).await;
    let finished = work_until_holding(&a, &q, 8).await;
    // A's next job runs "long": A hands out and finishes nothing while B works.
    let long = next_job(&a, WAIT).await.unwrap();
    let b = worker(&nc, &["default"]).await;
    let left = 200 - finished - 1;
    let mut by_b = 0;
    while by_b < left {
        let job = next_job(&b, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("B starved after {by_b} of {left} jobs"));
        b.finish(job, Outcome::Success).await.unwrap();
        by_b += 1;
    }
    // Only A's long job is still out (B's acks may take a moment to count).
    sizes(&q, (0, 1, 0, 0)).await;
    assert_eq!(long.attempts(), 1);
    a.finish(long, Outcome::Success).await.unwrap();
    sizes(&q, (0, 0, 0, 0)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn adaptive_prefetch_reader_grows_and_hands_back_when_its_host_stalls() {
    let srv = common::server();
    let nc = connect(&srv, |c| c.queue.retry_after = 30.0).await;
    let q = nc.queue("laravel").unwrap();
    push_numbered(&q, 100).await;
    let reader = natskit::queue::Prefetch::new(q.clone(), 0);
    let first = reader.pop(WAIT).await.unwrap().unwrap();
    assert_eq!(reader.buffered(), 0, "the first pull takes one job");
    first.finish(Outcome::Success, None, None).await.unwrap();
    let mut most = 0;
    for _ in 0..40 {
        let job = reader.pop(WAIT).await.unwrap().unwrap();
        most = most.max(reader.buffered());
        job.finish(Outcome::Success, None, None).await.unwrap();
    }
    assert!((8..64).contains(&most), "pulls grew to {most}");
    // The host stops asking: what the reader holds goes back for others.
    let deadline = Instant::now() + WAIT;
    while reader.buffered() > 0 {
        assert!(Instant::now() < deadline, "held jobs never went back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sizes(&q, (59, 0, 0, 0)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unreserving_the_same_attempt_twice_keeps_the_job() {
    let srv = common::server();
    let nc = connect(&srv, |_| {}).await;
    let q = nc.queue("default").unwrap();
    q.push("Once", json!(1), &PushOptions::default())
        .await
        .unwrap();
    for _ in 0..2 {
        let job = q.pop(WAIT).await.unwrap().expect("the job is back");
        assert_eq!(job.attempts(), 1);
        job.unreserve().await.unwrap();
    }
    let job = q
        .pop(WAIT)
        .await
        .unwrap()
        .expect("not dropped as a duplicate");
    assert_eq!(job.attempts(), 1);
}
