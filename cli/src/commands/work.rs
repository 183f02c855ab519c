//! `natskit queue work`: a worker whose handler is a shell command.
//!
//! Each job runs `sh -c CMD` with the job as JSON on stdin (`id`, `name`, `queue`,
//! `attempts`, `payload`) and in `NATSKIT_JOB_*` variables. Exit 0 completes the job; any
//! other exit is an error (stderr is its message) that counts toward tries and backoff.
//! The command's stdout goes to stderr so `--json` output stays one event per line.
//! SIGTERM/SIGINT let the running job finish and take no new one.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use natskit::queue::{Job, JobEvent, Outcome, Step, Worker, WorkerOptions};
use natskit::{Client, Error, ErrorCode};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::{signal, SignalKind};

use crate::args::WorkArgs;
use crate::duration;
use crate::output::{merge, plural, Output};

/// Works jobs until a stop condition or a signal; prints one line per finished job.
pub async fn run(
    client: &Client,
    connection: &str,
    a: &WorkArgs,
    out: &Output,
) -> natskit::Result<()> {
    let seconds = |text: &Option<String>| {
        text.as_deref()
            .map(|t| duration::parse(t).map(|d| d.as_secs_f64()))
            .transpose()
    };
    let options = WorkerOptions {
        queues: a.queues.clone(),
        tries: a.tries,
        timeout: seconds(&a.timeout)?,
        sleep: duration::parse(&a.sleep)?.as_secs_f64(),
        once: a.once,
        stop_when_empty: a.stop_when_empty,
        max_jobs: a.max_jobs,
        max_time: seconds(&a.max_time)?.unwrap_or(0.0),
        ..WorkerOptions::default()
    };
    let sleep = natskit::duration::seconds(options.sleep, "--sleep")?;
    let default_timeout = options.timeout;
    let worker = Arc::new(Worker::new(client, connection, options)?);
    let signals = stop_on_signal(worker.clone())?;
    let server = match &a.metrics_addr {
        Some(addr) => Some(crate::http::serve(addr, crate::http::router(client.clone())).await?),
        None => None,
    };
    eprintln!(
        "Working {} with `{}` (SIGTERM or Ctrl-C stops after the running job)",
        a.queues.join(", "),
        a.exec
    );
    let reason = loop {
        match worker.next(sleep).await? {
            Step::Job(job) => {
                let described = describe(&job);
                let limit = job
                    .envelope()
                    .timeout
                    .or(default_timeout)
                    .map(natskit::duration::saturating_seconds)
                    .filter(|t| !t.is_zero());
                let outcome = execute(&a.exec, &described, &job, limit).await;
                let event = worker.finish(job, outcome).await?;
                report(out, described, &event);
            }
            Step::Idle => continue,
            Step::Stop(reason) => break reason,
        }
    };
    signals.abort();
    if let Some(server) = server {
        server.abort();
    }
    let stats = worker.stats();
    if out.is_json() {
        let mut line = json!({ "event": "stopped", "reason": reason });
        merge(&mut line, &stats);
        out.line(&line);
    } else {
        println!(
            "Stopped ({}): {}, {} processed, {} retried, {} failed",
            serde_json::to_value(reason)
                .unwrap_or_default()
                .as_str()
                .unwrap_or("-"),
            plural(stats.jobs as u64, "job"),
            stats.processed,
            stats.retried,
            stats.failed
        );
    }
    client.close().await
}

/// Calls `worker.stop()` on the first SIGTERM or SIGINT (handlers installed before returning).
fn stop_on_signal(worker: Arc<Worker>) -> natskit::Result<tokio::task::JoinHandle<()>> {
    let install = |kind| {
        signal(kind).map_err(|e| Error::new(ErrorCode::Io, format!("cannot handle signals: {e}")))
    };
    let mut term = install(SignalKind::terminate())?;
    let mut int = install(SignalKind::interrupt())?;
    Ok(tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        worker.stop();
    }))
}

/// The job as the command sees it on stdin.
fn describe(job: &Job) -> Value {
    json!({
        "id": job.id(),
        "name": job.name(),
        "queue": job.queue().name(),
        "attempts": job.attempts(),
        "payload": job.payload(),
    })
}

/// `TRACEPARENT` and `TRACESTATE` for the command when the job carries a trace context.
fn trace_env(job: &Job) -> Vec<(&'static str, String)> {
    let Some(ctx) = job.trace_context() else {
        return Vec::new();
    };
    let mut env = vec![("TRACEPARENT", ctx.traceparent())];
    env.extend(ctx.tracestate.map(|state| ("TRACESTATE", state)));
    env
}

/// Runs the command for one job (in its own process group, so a terminal's Ctrl-C reaches
/// only the worker); kills the group past `limit`.
async fn execute(command: &str, described: &Value, job: &Job, limit: Option<Duration>) -> Outcome {
    let failure = |exception: &str, message: String| Outcome::Error {
        exception: exception.to_string(),
        message,
        trace: String::new(),
    };
    let spawned = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("NATSKIT_JOB_ID", job.id())
        .env("NATSKIT_JOB_NAME", job.name())
        .env("NATSKIT_JOB_QUEUE", job.queue().name())
        .env("NATSKIT_JOB_ATTEMPTS", job.attempts().to_string())
        .envs(trace_env(job))
        .stdin(Stdio::piped())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return failure("SpawnFailed", format!("cannot run {command:?}: {e}")),
    };
    let group = child.id();
    let input = described.to_string().into_bytes();
    let stdin = child.stdin.take();
    let feed = async move {
        if let Some(mut stdin) = stdin {
            // A command that does not read its input closes the pipe early: not an error.
            let _ = stdin.write_all(&input).await;
        }
    };
    let run = async { tokio::join!(feed, child.wait_with_output()).1 };
    let output = match limit {
        Some(t) => match tokio::time::timeout(t, run).await {
            Ok(output) => output,
            Err(_) => {
                kill_group(group);
                return failure(
                    "TimeoutExceeded",
                    format!(
                        "{} did not finish within {:.1} s",
                        job.name(),
                        t.as_secs_f64()
                    ),
                );
            }
        },
        None => run.await,
    };
    match output {
        Ok(o) if o.status.success() => Outcome::Success,
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr).trim().to_string();
            let status = o
                .status
                .code()
                .map_or("killed by a signal".to_string(), |c| {
                    format!("exit status {c}")
                });
            let message = if stderr.is_empty() { status } else { stderr };
            failure("CommandFailed", message)
        }
        Err(e) => failure("CommandFailed", format!("waiting for {command:?}: {e}")),
    }
}

/// Kills a timed-out command and everything it started.
fn kill_group(group: Option<u32>) {
    if let Some(pid) = group.and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: killpg only sends a signal; the group is the one the command leads.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
    }
}

/// One line per finished job: JSON (the event with `name`, `queue`, `attempts`) or text.
fn report(out: &Output, mut described: Value, event: &JobEvent) {
    if out.is_json() {
        described.as_object_mut().map(|o| o.remove("payload"));
        merge(&mut described, event);
        out.line(&described);
        return;
    }
    let (id, name, queue, attempts) = (
        &described["id"],
        &described["name"],
        &described["queue"],
        &described["attempts"],
    );
    let head = |word: &str| {
        format!(
            "{word:<10} {} {} on {} (attempt {attempts})",
            id.as_str().unwrap_or(""),
            name.as_str().unwrap_or(""),
            queue.as_str().unwrap_or("")
        )
    };
    match event {
        JobEvent::Processed { .. } => println!("{}", head("processed")),
        JobEvent::Deleted { .. } => println!("{}", head("deleted")),
        JobEvent::Released { delay, .. } => println!("{}: again in {delay}s", head("released")),
        JobEvent::Retrying { delay, message, .. } => {
            println!("{}: {message}; again in {delay}s", head("retrying"))
        }
        JobEvent::Failed { reason, .. } => println!("{}: {reason}", head("failed")),
    }
}
