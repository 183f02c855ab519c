//! The failed-jobs store: list, get, retry, forget and flush.

use napi::bindgen_prelude::Either;

use crate::error::Outcome;
use crate::queue::seconds;

/// Options of `flush()`.
#[napi(object)]
pub struct FlushOptions {
    /// Only jobs that failed more than this many hours ago.
    pub hours: Option<f64>,
}

/// The failed jobs of one connection.
#[napi]
pub struct FailedJobs {
    inner: natskit::queue::FailedJobs,
}

impl FailedJobs {
    pub(crate) fn new(inner: natskit::queue::FailedJobs) -> Self {
        FailedJobs { inner }
    }
}

#[napi]
impl FailedJobs {
    /// Every failed job (of `queue`, when given), oldest first.
    #[napi(catch_unwind, ts_return_type = "Promise<FailedJob[]>")]
    pub async fn list(&self, queue: Option<String>) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move {
            let jobs = self.inner.list(queue.as_deref()).await;
            crate::payload::plain(jobs)
        })
        .await
    }

    /// How many failed jobs there are (of `queue`, when given).
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub async fn count(&self, queue: Option<String>) -> Outcome<f64> {
        crate::runtime::unwinding(async move {
            Outcome(self.inner.count(queue.as_deref()).await.map(|n| n as f64))
        })
        .await
    }

    /// One failed job; `NOT_FOUND` when there is none with this id.
    #[napi(catch_unwind, ts_return_type = "Promise<FailedJob>")]
    pub async fn get(&self, id: String) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move { crate::payload::plain(self.inner.get(&id).await) })
            .await
    }

    /// Puts failed jobs back on their queues with attempts reset; resolves with the ids.
    /// Unknown ids reject with `NOT_FOUND` before anything is retried.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn retry(&self, ids: Either<String, Vec<String>>) -> Outcome<Vec<String>> {
        crate::runtime::unwinding(async move {
            let ids = match ids {
                Either::A(id) => vec![id],
                Either::B(ids) => ids,
            };
            Outcome(self.inner.retry(&ids).await)
        })
        .await
    }

    /// Retries every failed job; resolves with the ids.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn retry_all(&self) -> Outcome<Vec<String>> {
        crate::runtime::unwinding(async move { Outcome(self.inner.retry_all().await) }).await
    }

    /// Deletes one failed job; false when there was none.
    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub async fn forget(&self, id: String) -> Outcome<bool> {
        crate::runtime::unwinding(async move { Outcome(self.inner.forget(&id).await) }).await
    }

    /// Deletes every failed job, or those older than `hours`; resolves with how many.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub async fn flush(&self, options: Option<FlushOptions>) -> Outcome<f64> {
        crate::runtime::unwinding(async move {
            let inner = self.inner.clone();
            Outcome(
                async move {
                    let older = options
                        .and_then(|o| o.hours)
                        .map(|h| seconds("hours", h * 3600.0))
                        .transpose()?;
                    inner.flush(older).await.map(|n| n as f64)
                }
                .await,
            )
        })
        .await
    }
}
