//! The failed-jobs store: list, get, retry, forget and flush.

use napi::bindgen_prelude::Either;

use crate::error::Outcome;
use crate::payload::plain;

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
        crate::runtime::unwinding(async move { plain(self.inner.list(queue.as_deref()).await?) })
            .await
    }

    /// How many failed jobs there are (of `queue`, when given).
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub async fn count(&self, queue: Option<String>) -> Outcome<f64> {
        crate::runtime::unwinding(
            async move { Ok(self.inner.count(queue.as_deref()).await? as f64) },
        )
        .await
    }

    /// One failed job; `NOT_FOUND` when there is none with this id.
    #[napi(catch_unwind, ts_return_type = "Promise<FailedJob>")]
    pub async fn get(&self, id: String) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move { plain(self.inner.get(&id).await?) }).await
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
            self.inner.retry(&ids).await
        })
        .await
    }

    /// Retries every failed job; resolves with the ids.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn retry_all(&self) -> Outcome<Vec<String>> {
        crate::runtime::unwinding(self.inner.retry_all()).await
    }

    /// Deletes one failed job; false when there was none.
    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub async fn forget(&self, id: String) -> Outcome<bool> {
        crate::runtime::unwinding(async move { self.inner.forget(&id).await }).await
    }

    /// Deletes every failed job, or those older than `hours`; resolves with how many.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub async fn flush(&self, options: Option<FlushOptions>) -> Outcome<f64> {
        crate::runtime::unwinding(async move {
            let hours = options.and_then(|o| o.hours);
            let older = hours
                .map(|h| natskit::duration::hours(h, "hours"))
                .transpose()?;
            Ok(self.inner.flush(older).await? as f64)
        })
        .await
    }
}
