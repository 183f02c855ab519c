//! Publishing to a stream with an ack, one at a time or pipelined.

use bytes::Bytes;
use napi::bindgen_prelude::Unknown;
use napi::Env;

use super::{ttl, whole};
use crate::error::Outcome;
use crate::headers::{self, JsHeaders};
use crate::payload;
use crate::runtime::{self, Now};

/// Settings of one JetStream publish.
#[napi(object)]
pub struct JsPublishOptions {
    /// `Nats-Msg-Id`: stored once within the stream's duplicate window.
    pub msg_id: Option<String>,
    /// Fail unless the subject belongs to this stream.
    pub expected_stream: Option<String>,
    /// Fail unless the stream's last sequence is this.
    pub expected_last_seq: Option<f64>,
    /// Fail unless the stream's last message id is this.
    pub expected_last_msg_id: Option<String>,
    /// Fail unless the last sequence on this subject is this.
    pub expected_last_subject_seq: Option<f64>,
    /// Per-message TTL in milliseconds, a whole number of seconds (the stream needs `allow_msg_ttl`).
    pub ttl: Option<f64>,
    /// Extra headers.
    #[napi(ts_type = "Record<string, string | string[]>")]
    pub headers: Option<JsHeaders>,
}

impl JsPublishOptions {
    pub(crate) fn into_core(self) -> natskit::Result<natskit::jetstream::PublishOptions> {
        Ok(natskit::jetstream::PublishOptions {
            msg_id: self.msg_id,
            expected_stream: self.expected_stream,
            expected_last_seq: self
                .expected_last_seq
                .map(|s| whole("expectedLastSeq", s))
                .transpose()?,
            expected_last_msg_id: self.expected_last_msg_id,
            expected_last_subject_seq: self
                .expected_last_subject_seq
                .map(|s| whole("expectedLastSubjectSeq", s))
                .transpose()?,
            ttl: self.ttl.map(ttl).transpose()?,
            headers: self.headers.map(headers::from_js),
        })
    }
}

/// The payload and core options of one JetStream publish, read on the JavaScript thread.
pub(crate) fn message(
    env: &Env,
    data: Unknown,
    options: Option<JsPublishOptions>,
) -> natskit::Result<(Bytes, natskit::jetstream::PublishOptions)> {
    let options = options.map(JsPublishOptions::into_core).transpose()?;
    Ok((payload::to_bytes(env, data)?, options.unwrap_or_default()))
}

/// Publishes without waiting for each ack, with a bounded number in flight.
#[napi]
pub struct AsyncPublisher {
    inner: natskit::jetstream::AsyncPublisher,
}

impl AsyncPublisher {
    pub(crate) fn new(inner: natskit::jetstream::AsyncPublisher) -> Self {
        AsyncPublisher { inner }
    }
}

#[napi]
impl AsyncPublisher {
    /// Sends one message; resolves once it is on its way (waiting while the window is full).
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, data?: Payload, options?: JsPublishOptions",
        ts_return_type = "Promise<void>"
    )]
    pub fn publish<'env>(
        &self,
        env: &'env Env,
        subject: String,
        data: Unknown,
        options: Option<JsPublishOptions>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let message = message(env, data, options);
            let publisher = self.inner.clone();
            runtime::now_or_later(env, async move {
                let (payload, options) = message?;
                publisher.publish(&subject, payload, &options).await
            })
        })
    }

    /// Publishes whose ack is still outstanding.
    #[napi(catch_unwind, getter)]
    pub fn in_flight(&self) -> u32 {
        self.inner.in_flight() as u32
    }

    /// Waits for every outstanding ack; resolves with the counts since the last `wait()`,
    /// or rejects with the first failure.
    #[napi(catch_unwind, ts_return_type = "Promise<PublishSummary>")]
    pub async fn wait(&self) -> Outcome<serde_json::Value> {
        crate::runtime::unwinding(async move { payload::plain(self.inner.wait().await?) }).await
    }
}
