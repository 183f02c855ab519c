//! JetStream (core's `natskit::jetstream`): `client.jetstream()` with streams, messages,
//! consumers, publish with ack, pull fetches and KV. Configs go in and infos come out as
//! plain objects in the server's own field names; the TypeScript types are in dts-header.d.ts.

pub mod kv;
mod object_store;
pub mod publish;
pub mod pull;

use std::time::Duration;

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::Env;
use serde_json::Value;

use crate::client::millis;
use crate::error::Outcome;
use crate::headers;
use crate::payload::{plain, whole_numbers};
use crate::runtime::{self, Now};
use kv::Kv;
use publish::{AsyncPublisher, JsPublishOptions};
use pull::{ConsumerMessages, JsMessage, JsMessageBatch};

/// One page of a paged listing.
#[napi(object)]
pub struct Page {
    /// How many items exist in total.
    pub total: f64,
    /// Index of the first item on this page.
    pub offset: f64,
    /// The server's page size.
    pub limit: f64,
    /// Stream or consumer infos in the server's JSON.
    #[napi(ts_type = "any[]")]
    pub items: Vec<Value>,
}

impl From<natskit::jetstream::Page> for Page {
    fn from(p: natskit::jetstream::Page) -> Self {
        Page {
            total: p.total as f64,
            offset: p.offset as f64,
            limit: p.limit as f64,
            items: p.items,
        }
    }
}

/// What `purgeStream()` removes.
#[napi(object)]
pub struct PurgeOptions {
    /// Only messages on this subject (wildcards allowed).
    pub subject: Option<String>,
    /// Keep this many of the newest messages.
    pub keep: Option<f64>,
    /// Remove messages below this sequence (not with `keep`).
    pub sequence: Option<f64>,
}

/// Options of `listStreams()`.
#[napi(object)]
pub struct ListOptions {
    /// Index of the first item (default 0).
    pub offset: Option<f64>,
    /// Only streams capturing this subject.
    pub subject: Option<String>,
}

/// A message read from a stream by sequence or subject.
#[napi(object)]
pub struct StoredMessage {
    /// The subject it was published to.
    pub subject: String,
    /// Its stream sequence.
    pub sequence: f64,
    /// Its headers (`{}` when none).
    pub headers: std::collections::HashMap<String, Vec<String>>,
    /// Its payload.
    pub data: Buffer,
    /// When the server stored it (RFC 3339).
    pub time: String,
}

impl From<natskit::jetstream::StoredMessage> for StoredMessage {
    fn from(m: natskit::jetstream::StoredMessage) -> Self {
        StoredMessage {
            subject: m.subject,
            sequence: m.sequence as f64,
            headers: headers::to_js(&m.headers),
            data: Buffer::from(m.payload.to_vec()),
            time: natskit::timestamp::rfc3339(m.time),
        }
    }
}

/// How a fetch waits.
#[napi(object)]
pub struct FetchOptions {
    /// Milliseconds the pull stays open (default: the JetStream API timeout; 0 = no wait).
    pub timeout: Option<f64>,
    /// Return at once with what is available (as `timeout: 0`).
    pub no_wait: Option<bool>,
}

impl FetchOptions {
    fn to_core(options: Option<FetchOptions>) -> natskit::Result<natskit::jetstream::FetchOptions> {
        let o = options.unwrap_or(FetchOptions {
            timeout: None,
            no_wait: None,
        });
        let no_wait = o.no_wait.unwrap_or(false) || o.timeout == Some(0.0);
        Ok(natskit::jetstream::FetchOptions {
            timeout: o.timeout.filter(|t| *t != 0.0).map(millis).transpose()?,
            no_wait,
        })
    }
}

/// A whole number from JavaScript (sequence, count) as `u64`.
pub(crate) fn whole(what: &str, n: f64) -> natskit::Result<u64> {
    natskit::units::count(n, what, 0)
}

/// The JetStream API of one connection (domain and API timeout from its config).
#[napi]
pub struct JetStream {
    inner: natskit::jetstream::Context,
}

impl JetStream {
    pub(crate) fn new(client: &natskit::Client) -> JetStream {
        JetStream {
            inner: natskit::runtime::enter(|| client.jetstream())
                .with_unit(natskit::Unit::Milliseconds),
        }
    }
}

#[napi]
impl JetStream {
    /// True when the server (and account) answers the JetStream API.
    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub async fn is_available(&self) -> Outcome<bool> {
        crate::runtime::unwinding(async move { Ok(self.inner.is_available().await) }).await
    }

    /// The account's JetStream usage and limits; `JETSTREAM_NOT_ENABLED` without JetStream.
    #[napi(catch_unwind, ts_return_type = "Promise<AccountInfo>")]
    pub async fn account_info(&self) -> Outcome<Value> {
        crate::runtime::unwinding(self.inner.account_info()).await
    }

    /// Creates a stream (`name`, `subjects`, `max_msgs`, `max_age` in ms, ...); resolves with its info.
    #[napi(
        catch_unwind,
        ts_args_type = "config: StreamConfig",
        ts_return_type = "Promise<StreamInfo>"
    )]
    pub async fn create_stream(&self, config: Value) -> Outcome<Value> {
        let config = whole_numbers(config);
        crate::runtime::unwinding(self.inner.create_stream(&config)).await
    }

    /// Updates a stream's config; resolves with its info.
    #[napi(
        catch_unwind,
        ts_args_type = "config: StreamConfig",
        ts_return_type = "Promise<StreamInfo>"
    )]
    pub async fn update_stream(&self, config: Value) -> Outcome<Value> {
        let config = whole_numbers(config);
        crate::runtime::unwinding(self.inner.update_stream(&config)).await
    }

    /// A stream's config and state; `NOT_FOUND` when it does not exist.
    #[napi(catch_unwind, ts_return_type = "Promise<StreamInfo>")]
    pub async fn stream_info(&self, name: String) -> Outcome<Value> {
        crate::runtime::unwinding(self.inner.stream_info(&name)).await
    }

    /// One page of stream infos.
    #[napi(
        catch_unwind,
        ts_return_type = "Promise<Page & { items: StreamInfo[] }>"
    )]
    pub async fn list_streams(&self, options: Option<ListOptions>) -> Outcome<Page> {
        crate::runtime::unwinding(async move {
            let (offset, subject) = match options {
                Some(o) => (o.offset.unwrap_or(0.0), o.subject),
                None => (0.0, None),
            };
            let offset = whole("offset", offset)?;
            let page = self.inner.list_streams(offset, subject.as_deref()).await?;
            Ok(Page::from(page))
        })
        .await
    }

    /// Every stream name, optionally only those capturing `subject`.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn stream_names(&self, subject: Option<String>) -> Outcome<Vec<String>> {
        crate::runtime::unwinding(self.inner.stream_names(subject.as_deref())).await
    }

    /// Purges messages (all, by subject, all but the newest `keep`, or below `sequence`);
    /// resolves with how many were removed.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub async fn purge_stream(&self, name: String, options: Option<PurgeOptions>) -> Outcome<f64> {
        crate::runtime::unwinding(async move {
            let o = match options {
                Some(o) => natskit::jetstream::PurgeOptions {
                    subject: o.subject,
                    keep: o.keep.map(|k| whole("keep", k)).transpose()?,
                    sequence: o.sequence.map(|s| whole("sequence", s)).transpose()?,
                },
                None => Default::default(),
            };
            Ok(self.inner.purge_stream(&name, &o).await? as f64)
        })
        .await
    }

    /// Deletes a stream with its messages and consumers.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete_stream(&self, name: String) -> Outcome<()> {
        crate::runtime::unwinding(self.inner.delete_stream(&name)).await
    }

    /// The message stored at `sequence`; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<StoredMessage>")]
    pub async fn get_message(&self, stream: String, sequence: f64) -> Outcome<StoredMessage> {
        crate::runtime::unwinding(async move {
            let found = self
                .inner
                .get_message(&stream, whole("sequence", sequence)?);
            Ok(StoredMessage::from(found.await?))
        })
        .await
    }

    /// The newest message on `subject`; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<StoredMessage>")]
    pub async fn get_last_message(
        &self,
        stream: String,
        subject: String,
    ) -> Outcome<StoredMessage> {
        crate::runtime::unwinding(async move {
            let found = self.inner.get_last_message(&stream, &subject).await?;
            Ok(StoredMessage::from(found))
        })
        .await
    }

    /// Deletes the message at `sequence`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete_message(&self, stream: String, sequence: f64) -> Outcome<()> {
        crate::runtime::unwinding(async move {
            let sequence = whole("sequence", sequence)?;
            self.inner.delete_message(&stream, sequence).await
        })
        .await
    }

    /// Creates a durable consumer (`durable_name`, `filter_subject`, `ack_policy`, `ack_wait` in ns, ...).
    #[napi(
        catch_unwind,
        ts_args_type = "stream: string, config: ConsumerConfig",
        ts_return_type = "Promise<ConsumerInfo>"
    )]
    pub async fn create_consumer(&self, stream: String, config: Value) -> Outcome<Value> {
        let config = whole_numbers(config);
        crate::runtime::unwinding(self.inner.create_consumer(&stream, &config)).await
    }

    /// Updates a consumer's config; resolves with its info.
    #[napi(
        catch_unwind,
        ts_args_type = "stream: string, config: ConsumerConfig",
        ts_return_type = "Promise<ConsumerInfo>"
    )]
    pub async fn update_consumer(&self, stream: String, config: Value) -> Outcome<Value> {
        let config = whole_numbers(config);
        crate::runtime::unwinding(self.inner.update_consumer(&stream, &config)).await
    }

    /// A consumer's config and counters (`num_pending`, `num_ack_pending`, ...).
    #[napi(catch_unwind, ts_return_type = "Promise<ConsumerInfo>")]
    pub async fn consumer_info(&self, stream: String, name: String) -> Outcome<Value> {
        crate::runtime::unwinding(self.inner.consumer_info(&stream, &name)).await
    }

    /// One page of a stream's consumer infos.
    #[napi(
        catch_unwind,
        ts_return_type = "Promise<Page & { items: ConsumerInfo[] }>"
    )]
    pub async fn list_consumers(&self, stream: String, offset: Option<f64>) -> Outcome<Page> {
        crate::runtime::unwinding(async move {
            let offset = whole("offset", offset.unwrap_or(0.0))?;
            Ok(Page::from(
                self.inner.list_consumers(&stream, offset).await?,
            ))
        })
        .await
    }

    /// Every consumer name of a stream.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub async fn consumer_names(&self, stream: String) -> Outcome<Vec<String>> {
        crate::runtime::unwinding(self.inner.consumer_names(&stream)).await
    }

    /// Deletes a consumer.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete_consumer(&self, stream: String, name: String) -> Outcome<()> {
        crate::runtime::unwinding(self.inner.delete_consumer(&stream, &name)).await
    }

    /// Stops delivery from a consumer until `until` (a Date or RFC 3339 text).
    #[napi(
        catch_unwind,
        ts_args_type = "stream: string, name: string, until: Date | string",
        ts_return_type = "Promise<PauseState>"
    )]
    pub async fn pause_consumer(
        &self,
        stream: String,
        name: String,
        until: String,
    ) -> Outcome<Value> {
        crate::runtime::unwinding(async move {
            let until = natskit::timestamp::parse_rfc3339(&until, "until")?;
            plain(self.inner.pause_consumer(&stream, &name, until).await?)
        })
        .await
    }

    /// Resumes a paused consumer now.
    #[napi(catch_unwind, ts_return_type = "Promise<PauseState>")]
    pub async fn resume_consumer(&self, stream: String, name: String) -> Outcome<Value> {
        crate::runtime::unwinding(async move {
            plain(self.inner.resume_consumer(&stream, &name).await?)
        })
        .await
    }

    /// Publishes to a stream and resolves with the server's ack (`stream`, `sequence`, `duplicate`).
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, data?: Payload, options?: JsPublishOptions",
        ts_return_type = "Promise<PubAck>"
    )]
    pub fn publish<'env>(
        &self,
        env: &'env Env,
        subject: String,
        data: Unknown,
        options: Option<JsPublishOptions>,
    ) -> napi::Result<Now<'env, Outcome<Value>>> {
        crate::error::guard(|| {
            let message = publish::message(env, data, options);
            let js = self.inner.clone();
            runtime::now_or_later(env, async move {
                let (payload, options) = message?;
                plain(js.publish(&subject, payload, &options).await?)
            })
        })
    }

    /// A pipelined publisher keeping at most `maxInFlight` (default 256) acks outstanding.
    #[napi(catch_unwind, ts_return_type = "AsyncPublisher")]
    pub fn publisher(&self, max_in_flight: Option<f64>) -> Outcome<AsyncPublisher> {
        crate::error::outcome(|| {
            let n = natskit::units::count(max_in_flight.unwrap_or(256.0), "maxInFlight", 1)?;
            self.inner.publisher(n as usize).map(AsyncPublisher::new)
        })
    }

    /// Fetches up to `max` messages from a pull consumer: those available now, or else the
    /// first to arrive within the timeout with whatever is available right after it (with
    /// `noWait`, never waits).
    #[napi(catch_unwind, ts_return_type = "Promise<JsMessage[]>")]
    pub fn fetch<'env>(
        &self,
        env: &'env Env,
        stream: String,
        consumer: String,
        max: f64,
        options: Option<FetchOptions>,
    ) -> napi::Result<Now<'env, Outcome<JsMessageBatch>>> {
        crate::error::guard(|| {
            let js = self.inner.clone();
            runtime::now_or_later(env, async move {
                let max = natskit::units::count(max, "max", 1)?;
                let o = FetchOptions::to_core(options)?;
                let got = js.fetch(&stream, &consumer, max as usize, &o).await?;
                Ok(JsMessageBatch::new(got))
            })
        })
    }

    /// Fetches one message; null when none arrived in time.
    #[napi(catch_unwind, ts_return_type = "Promise<JsMessage | null>")]
    pub async fn fetch_next(
        &self,
        stream: String,
        consumer: String,
        options: Option<FetchOptions>,
    ) -> Outcome<Option<JsMessage>> {
        crate::runtime::unwinding(async move {
            let o = FetchOptions::to_core(options)?;
            let got = self.inner.fetch_next(&stream, &consumer, &o).await?;
            Ok(got.map(JsMessage::from))
        })
        .await
    }

    /// Consumes continuously: an async iterable of messages. A pull consumer's pulls of
    /// `batch` are renewed in the background with idle heartbeats (`heartbeat` ms; two missed
    /// ones reject `next()` with `TIMEOUT`, a deleted consumer with `NOT_FOUND`); a push
    /// consumer is read from its deliver subject. `stop()` or leaving the loop ends it.
    #[napi(
        catch_unwind,
        ts_args_type = "stream: string, consumer: string, options?: ConsumeOptions",
        ts_return_type = "Promise<ConsumerMessages>"
    )]
    pub async fn consume(
        &self,
        stream: String,
        consumer: String,
        options: Option<Value>,
    ) -> Outcome<ConsumerMessages> {
        crate::runtime::unwinding(async move {
            let options = natskit::jetstream::ConsumeOptions::from_host(
                options.unwrap_or(Value::Null),
                natskit::Unit::Milliseconds,
            )?;
            let messages = self.inner.consume(&stream, &consumer, &options).await?;
            Ok(ConsumerMessages::new(messages))
        })
        .await
    }

    /// Reads `stream` in order through an ordered consumer (ephemeral, no acks, recreated
    /// from the next sequence after a gap or a server restart): an async iterable like
    /// `consume()`'s, from `deliver_policy` / `opt_start_seq` / `opt_start_time`, only
    /// `filter_subjects`, with idle heartbeats every `heartbeat` ms.
    #[napi(
        catch_unwind,
        ts_args_type = "stream: string, options?: OrderedOptions",
        ts_return_type = "Promise<ConsumerMessages>"
    )]
    pub async fn ordered(
        &self,
        stream: String,
        options: Option<Value>,
    ) -> Outcome<ConsumerMessages> {
        crate::runtime::unwinding(async move {
            let options = natskit::jetstream::OrderedOptions::from_host(
                options.unwrap_or(Value::Null),
                natskit::Unit::Milliseconds,
            )?;
            Ok(ConsumerMessages::new(
                self.inner.ordered(&stream, &options).await?,
            ))
        })
        .await
    }

    /// Creates a KV bucket (`bucket`, `history`, `max_age` in ms, `storage`, ...).
    #[napi(
        catch_unwind,
        ts_args_type = "config: KvConfig",
        ts_return_type = "Promise<Kv>"
    )]
    pub async fn create_kv(&self, config: Value) -> Outcome<Kv> {
        crate::runtime::unwinding(async move {
            let config = self.inner.kv_config(whole_numbers(config))?;
            Ok(Kv::new(self.inner.create_kv(&config).await?))
        })
        .await
    }

    /// An existing KV bucket; `NOT_FOUND` when there is none.
    #[napi(catch_unwind, ts_return_type = "Promise<Kv>")]
    pub async fn kv(&self, bucket: String) -> Outcome<Kv> {
        crate::runtime::unwinding(async move { Ok(Kv::new(self.inner.kv(&bucket).await?)) }).await
    }

    /// Deletes a KV bucket.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn delete_kv(&self, bucket: String) -> Outcome<()> {
        crate::runtime::unwinding(self.inner.delete_kv(&bucket)).await
    }
}

/// Milliseconds of a per-message TTL (core refuses what is not whole seconds).
pub(crate) fn ttl(ms: f64) -> natskit::Result<Duration> {
    natskit::Unit::Milliseconds.duration(ms, "ttl")
}
