//! The job queue (core's `natskit::queue`): `client.queue(name)` with push, later, pop,
//! size, clear and the failed-jobs store. Jobs and workers live in [`job`] and [`worker`].

pub mod failed;
pub mod job;
pub mod worker;

use crate::client::millis;
use crate::error::Outcome;
use crate::payload::{in_ms, whole_numbers};
use failed::FailedJobs;
use job::Job;

/// One job of `pushMany()`.
#[napi(object)]
pub struct NewJob {
    /// The job's name, which picks its handler.
    pub name: String,
    /// Its JSON payload.
    #[napi(ts_type = "any")]
    pub data: Option<serde_json::Value>,
    /// Its push options (`delay` included).
    #[napi(ts_type = "PushOptions")]
    pub options: Option<serde_json::Value>,
}

impl NewJob {
    fn into_core(self) -> natskit::Result<natskit::queue::NewJob> {
        Ok(natskit::queue::NewJob {
            options: push_options(self.options)?,
            job: self.name,
            data: whole_numbers(self.data.unwrap_or_default()),
        })
    }
}

/// Reads `push()` options (camelCase or the seed's snake_case names; durations in ms).
pub(crate) fn push_options(
    options: Option<serde_json::Value>,
) -> natskit::Result<natskit::queue::PushOptions> {
    let value = whole_numbers(options.unwrap_or_default());
    natskit::queue::PushOptions::from_host(value, natskit::Unit::Milliseconds)
}

/// One named queue of a connection; every job is stored durably in JetStream.
#[napi]
pub struct Queue {
    inner: natskit::queue::Queue,
}

impl Queue {
    pub(crate) fn open(
        client: &natskit::Client,
        name: &str,
        connection: &str,
    ) -> natskit::Result<Queue> {
        natskit::runtime::enter(|| natskit::queue::Queue::new(client, name, connection))
            .map(|inner| Queue { inner })
    }
}

#[napi]
impl Queue {
    /// The queue's name.
    #[napi(catch_unwind, getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// Pushes job `name` with a JSON payload; resolves with the job id once the stream
    /// stored it, or null when a job with the same `uniqueKey` is pending (policy `ignore`).
    #[napi(
        catch_unwind,
        ts_args_type = "name: string, data?: any, options?: PushOptions",
        ts_return_type = "Promise<string | null>"
    )]
    pub async fn push(
        &self,
        name: String,
        data: Option<serde_json::Value>,
        options: Option<serde_json::Value>,
    ) -> Outcome<Option<String>> {
        crate::runtime::unwinding(async move {
            let job = NewJob {
                name,
                data,
                options,
            }
            .into_core()?;
            self.inner.push(&job.job, job.data, &job.options).await
        })
        .await
    }

    /// Pushes many jobs with up to 256 stores in flight; resolves once the stream stored
    /// every one, with their ids in order (null for a `uniqueKey` duplicate ignored).
    #[napi(catch_unwind, ts_return_type = "Promise<(string | null)[]>")]
    pub async fn push_many(&self, jobs: Vec<NewJob>) -> Outcome<Vec<Option<String>>> {
        crate::runtime::unwinding(async move {
            let jobs = jobs
                .into_iter()
                .map(NewJob::into_core)
                .collect::<natskit::Result<Vec<_>>>()?;
            self.inner.push_many(&jobs).await
        })
        .await
    }

    /// Pushes a job that becomes available after `delayMs`.
    #[napi(
        catch_unwind,
        ts_args_type = "delayMs: number, name: string, data?: any, options?: PushOptions",
        ts_return_type = "Promise<string | null>"
    )]
    pub async fn later(
        &self,
        delay_ms: f64,
        name: String,
        data: Option<serde_json::Value>,
        options: Option<serde_json::Value>,
    ) -> Outcome<Option<String>> {
        crate::runtime::unwinding(async move {
            let delay = natskit::Unit::Milliseconds.duration(delay_ms, "delayMs")?;
            let job = NewJob {
                name,
                data,
                options,
            }
            .into_core()?;
            self.inner
                .later(delay, &job.job, job.data, &job.options)
                .await
        })
        .await
    }

    /// Takes the next job, waiting up to `timeoutMs` (default 0: only what is ready now);
    /// null when none came. Finish it with `complete()`, `delete()`, `release()` or `fail()`.
    #[napi(catch_unwind, ts_return_type = "Promise<Job | null>")]
    pub async fn pop(&self, timeout_ms: Option<f64>) -> Outcome<Option<Job>> {
        crate::runtime::unwinding(async move {
            let timeout = millis(timeout_ms.unwrap_or(0.0))?;
            Ok(self.inner.pop(timeout).await?.map(|j| Job::new(j, None)))
        })
        .await
    }

    /// Ready, reserved, delayed and failed counts, and the oldest ready job's age.
    #[napi(catch_unwind, ts_return_type = "Promise<QueueSize>")]
    pub async fn size(&self) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move { in_ms(self.inner.size().await?) }).await
    }

    /// Removes every ready and delayed job (reserved ones finish as usual); resolves with
    /// how many were removed.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub async fn clear(&self) -> Outcome<f64> {
        crate::runtime::unwinding(async move { Ok(self.inner.clear().await? as f64) }).await
    }

    /// Where the queue's stream lives: layout, stream, leader, replicas, servers, cluster.
    #[napi(catch_unwind, ts_return_type = "Promise<StreamPlacement>")]
    pub async fn placement(&self) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move {
            Ok(serde_json::to_value(self.inner.placement().await?)?)
        })
        .await
    }

    /// Moves the queue's waiting and delayed jobs from the shared stream to its own stream.
    #[napi(catch_unwind, ts_return_type = "Promise<Migrated>")]
    pub async fn migrate(&self) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(
            async move { Ok(serde_json::to_value(self.inner.migrate().await?)?) },
        )
        .await
    }

    /// The connection's failed-jobs store.
    #[napi(catch_unwind)]
    pub fn failed(&self) -> FailedJobs {
        FailedJobs::new(self.inner.failed())
    }
}
