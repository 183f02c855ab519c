//! Streams: create, update, info, list, names, purge, delete; stored messages by sequence
//! or last-by-subject, read by any replica (direct get) when the stream allows it.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use async_nats::jetstream::message::StreamMessage;
use async_nats::jetstream::stream::{DirectGetErrorKind, LastRawMessageErrorKind};
use async_nats::StatusCode;

use super::error::{self, from_nats};
use super::{check_name, Context, Page};
use crate::error::{Error, ErrorCode, Result};
use crate::headers::Headers;
use crate::units::Object;

/// What a purge removes: everything, one subject, and/or all but the newest `keep`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PurgeOptions {
    /// Only messages on this subject (wildcards allowed).
    pub subject: Option<String>,
    /// Keep this many of the newest messages.
    pub keep: Option<u64>,
    /// Remove messages below this sequence (not with `keep`).
    pub sequence: Option<u64>,
}

/// A message read from a stream by sequence or subject. Serialized (for hosts) without
/// its payload, which each host hands over as its own bytes type.
#[derive(Debug, Clone, Serialize)]
pub struct StoredMessage {
    /// The subject it was published to.
    pub subject: String,
    /// Its stream sequence.
    pub sequence: u64,
    /// Its headers (empty when none).
    #[serde(serialize_with = "crate::headers::serialize")]
    pub headers: Headers,
    /// Its payload.
    #[serde(skip)]
    pub payload: Bytes,
    /// When the server stored it (RFC 3339 when serialized).
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub time: OffsetDateTime,
}

impl Context {
    /// Creates a stream from its config (server JSON: `name`, `subjects`, `max_msgs`,
    /// `max_age` in the context's unit, ...) and returns its info.
    pub async fn create_stream<C: serde::Serialize + ?Sized>(&self, config: &C) -> Result<Value> {
        self.put_stream(config, "CREATE", "create").await
    }

    /// Replaces a stream's config (same JSON as create) and returns its info.
    pub async fn update_stream<C: serde::Serialize + ?Sized>(&self, config: &C) -> Result<Value> {
        self.put_stream(config, "UPDATE", "update").await
    }

    async fn put_stream<C: serde::Serialize + ?Sized>(
        &self,
        config: &C,
        api: &str,
        action: &str,
    ) -> Result<Value> {
        let config = Object::StreamConfig.from_host(serde_json::to_value(config)?, self.unit)?;
        let name = config_name(&config)?;
        let info = self
            .api(&format!("STREAM.{api}.{name}"), &config)
            .await
            .map_err(|e| e.context(format_args!("{action} stream {name:?}")))?;
        let direct = info["config"]["allow_direct"].as_bool().unwrap_or(false);
        self.direct.lock().unwrap().insert(name, direct);
        Ok(Object::StreamInfo.to_host(info, self.unit))
    }

    /// The stream's config and state (`state.messages`, `state.bytes`, `state.first_seq`,
    /// `state.last_seq`, `state.consumer_count`).
    pub async fn stream_info(&self, name: &str) -> Result<Value> {
        check_name("stream", name)?;
        let info = self
            .api(&format!("STREAM.INFO.{name}"), &json!({}))
            .await
            .map_err(|e| e.context(format_args!("stream {name:?}")))?;
        Ok(Object::StreamInfo.to_host(info, self.unit))
    }

    /// One page of stream infos starting at `offset`, optionally only streams that
    /// capture `subject`.
    pub async fn list_streams(&self, offset: u64, subject: Option<&str>) -> Result<Page> {
        let mut body = json!({ "offset": offset });
        if let Some(s) = subject {
            body["subject"] = json!(s);
        }
        let page = self.api("STREAM.LIST", &body).await?;
        Ok(to_page(page, "streams").into_host(Object::StreamInfo, self.unit))
    }

    /// Every stream name (all pages), optionally only streams that capture `subject`.
    pub async fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>> {
        let mut names = Vec::new();
        loop {
            let mut body = json!({ "offset": names.len() });
            if let Some(s) = subject {
                body["subject"] = json!(s);
            }
            let page = to_page(self.api("STREAM.NAMES", &body).await?, "streams");
            let before = names.len();
            names.extend(
                page.items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
            if names.len() as u64 >= page.total || names.len() == before {
                return Ok(names);
            }
        }
    }

    /// Purges messages and returns how many were removed.
    pub async fn purge_stream(&self, name: &str, options: &PurgeOptions) -> Result<u64> {
        check_name("stream", name)?;
        if options.keep.is_some() && options.sequence.is_some() {
            return Err(Error::invalid_argument(
                "purge: set keep or sequence, not both",
            ));
        }
        let mut body = json!({});
        if let Some(s) = &options.subject {
            body["filter"] = json!(s);
        }
        if let Some(k) = options.keep {
            body["keep"] = json!(k);
        }
        if let Some(q) = options.sequence {
            body["seq"] = json!(q);
        }
        let answer = self
            .api(&format!("STREAM.PURGE.{name}"), &body)
            .await
            .map_err(|e| e.context(format_args!("purge stream {name:?}")))?;
        Ok(answer.get("purged").and_then(Value::as_u64).unwrap_or(0))
    }

    /// Deletes a stream with all its messages and consumers.
    pub async fn delete_stream(&self, name: &str) -> Result<()> {
        check_name("stream", name)?;
        self.api(&format!("STREAM.DELETE.{name}"), &json!({}))
            .await
            .map_err(|e| e.context(format_args!("delete stream {name:?}")))?;
        self.forget_consumers(name);
        self.direct.lock().unwrap().remove(name);
        Ok(())
    }

    /// The message stored at `sequence`. A stream with `allow_direct` is read by any of its
    /// replicas (direct get), which spreads reads but may trail the leader by a moment.
    pub async fn get_message(&self, stream: &str, sequence: u64) -> Result<StoredMessage> {
        self.read(stream, Some(sequence), None).await
    }

    /// The newest message on `subject` (direct get as for [`Context::get_message`]).
    pub async fn get_last_message(&self, stream: &str, subject: &str) -> Result<StoredMessage> {
        self.read(stream, None, Some(subject)).await
    }

    /// Reads by sequence or last-for-subject: directly when the stream allows it (tried
    /// first for a stream not seen yet), else through the leader's `MSG.GET`.
    async fn read(
        &self,
        stream: &str,
        sequence: Option<u64>,
        subject: Option<&str>,
    ) -> Result<StoredMessage> {
        check_name("stream", stream)?;
        let what = match subject {
            Some(s) => format!("stream {stream:?} last message on {s}"),
            None => format!("stream {stream:?} message {}", sequence.unwrap_or(0)),
        };
        let handle = self.stream_handle(stream).await?;
        let known = self.direct.lock().unwrap().get(stream).copied();
        if known != Some(false) {
            let found = match subject {
                Some(s) => handle.direct_get_last_for_subject(s).await,
                None => handle.direct_get(sequence.unwrap_or(0)).await,
            };
            let direct = match found {
                Ok(m) => Ok(stored_message(m)),
                Err(e) if e.kind() == DirectGetErrorKind::NotFound => Err(no_message(&what)),
                // Nobody answers direct gets for this stream (or it does not exist): the leader.
                Err(e)
                    if matches!(e.kind(),
                        DirectGetErrorKind::ErrorResponse(status, _) if status == StatusCode::NO_RESPONDERS) =>
                {
                    self.direct
                        .lock()
                        .unwrap()
                        .insert(stream.to_string(), false);
                    return self
                        .read_from_leader(&handle, sequence, subject, &what)
                        .await;
                }
                Err(e) => return Err(from_nats(&e, &what)),
            };
            self.direct.lock().unwrap().insert(stream.to_string(), true);
            return direct;
        }
        self.read_from_leader(&handle, sequence, subject, &what)
            .await
    }

    async fn read_from_leader(
        &self,
        handle: &async_nats::jetstream::stream::Stream<()>,
        sequence: Option<u64>,
        subject: Option<&str>,
        what: &str,
    ) -> Result<StoredMessage> {
        let found = match subject {
            Some(s) => handle.get_last_raw_message_by_subject(s).await,
            None => handle.get_raw_message(sequence.unwrap_or(0)).await,
        };
        stored(found, format_args!("{what}"))
    }

    /// Deletes the message at `sequence`.
    pub async fn delete_message(&self, stream: &str, sequence: u64) -> Result<()> {
        check_name("stream", stream)?;
        self.api(
            &format!("STREAM.MSG.DELETE.{stream}"),
            &json!({ "seq": sequence, "no_erase": true }),
        )
        .await
        .map_err(|e| e.context(format_args!("stream {stream:?} delete message {sequence}")))?;
        Ok(())
    }

    async fn stream_handle(
        &self,
        stream: &str,
    ) -> Result<async_nats::jetstream::stream::Stream<()>> {
        self.js
            .get_stream_no_info(stream)
            .await
            .map_err(|e| from_nats(&e, "stream"))
    }
}

/// The `name` of a stream config.
fn config_name(config: &Value) -> Result<String> {
    let name = config
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid_argument("stream config: \"name\" is required"))?;
    check_name("stream", name)?;
    Ok(name.to_string())
}

/// Reads a paged answer whose items are under `key`.
pub(crate) fn to_page(mut answer: Value, key: &str) -> Page {
    let number = |k: &str| answer.get(k).and_then(Value::as_u64).unwrap_or(0);
    let (total, offset, limit) = (number("total"), number("offset"), number("limit"));
    let items = match answer.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    Page {
        total,
        offset,
        limit,
        items,
    }
}

fn stored(
    found: Result<
        async_nats::jetstream::message::StreamMessage,
        async_nats::jetstream::stream::RawMessageError,
    >,
    what: std::fmt::Arguments<'_>,
) -> Result<StoredMessage> {
    match found {
        Ok(m) => Ok(stored_message(m)),
        Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => {
            Err(no_message(&what.to_string()))
        }
        Err(e) => match e.kind() {
            LastRawMessageErrorKind::JetStream(api) => {
                let value = serde_json::to_value(&api).unwrap_or(Value::Null);
                Err(error::from_api(&value).context(what))
            }
            _ => Err(from_nats(&e, &what.to_string())),
        },
    }
}

fn stored_message(m: StreamMessage) -> StoredMessage {
    StoredMessage {
        subject: m.subject.to_string(),
        sequence: m.sequence,
        headers: Headers::from_header_map(&m.headers),
        payload: m.payload,
        time: m.time,
    }
}

/// `NOT_FOUND` with the server's "no message found" code, however the message was read.
fn no_message(what: &str) -> Error {
    Error::with_server_code(
        ErrorCode::NotFound,
        format!("{what}: no message found"),
        10037,
    )
}
