//! Consumers: create, update, info, list, names, delete, pause and resume.

use serde::Serialize;
use serde_json::{json, Number, Value};
use time::OffsetDateTime;

use super::stream::to_page;
use super::{check_name, Context, Page};
use crate::error::{Error, Result};
use crate::units::Object;

/// A consumer's pause state after `pause_consumer` / `resume_consumer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PauseState {
    /// True while paused.
    pub paused: bool,
    /// When the pause ends (RFC 3339), if paused.
    pub pause_until: Option<String>,
    /// Time until the pause ends in the context's unit, if paused.
    pub pause_remaining: Option<Number>,
}

impl Context {
    /// Creates a consumer on `stream` from its config (server JSON: `durable_name`,
    /// `filter_subject(s)`, `deliver_policy`, `ack_policy`, `ack_wait`, `max_deliver`,
    /// `backoff`, ..., durations in the context's unit) and returns its info. Without `durable_name`/`name` it is ephemeral.
    /// Creating an existing consumer with the same config returns its info.
    pub async fn create_consumer<C: Serialize + ?Sized>(
        &self,
        stream: &str,
        config: &C,
    ) -> Result<Value> {
        self.put_consumer(stream, config, "create").await
    }

    /// Changes an existing consumer's config; fails with `NOT_FOUND` if it does not exist.
    pub async fn update_consumer<C: Serialize + ?Sized>(
        &self,
        stream: &str,
        config: &C,
    ) -> Result<Value> {
        self.put_consumer(stream, config, "update").await
    }

    /// The consumer's config and counters (`num_pending`, `num_ack_pending`,
    /// `num_redelivered`, `num_waiting`, `delivered`, `ack_floor`).
    pub async fn consumer_info(&self, stream: &str, consumer: &str) -> Result<Value> {
        check_name("stream", stream)?;
        check_name("consumer", consumer)?;
        let info = self
            .api(&format!("CONSUMER.INFO.{stream}.{consumer}"), &json!({}))
            .await
            .map_err(|e| e.context(format_args!("consumer {stream}/{consumer}")))?;
        Ok(Object::ConsumerInfo.to_host(info, self.unit))
    }

    /// One page of consumer infos of `stream`, starting at `offset`.
    pub async fn list_consumers(&self, stream: &str, offset: u64) -> Result<Page> {
        check_name("stream", stream)?;
        let answer = self
            .api(
                &format!("CONSUMER.LIST.{stream}"),
                &json!({ "offset": offset }),
            )
            .await
            .map_err(|e| e.context(format_args!("stream {stream:?}")))?;
        Ok(to_page(answer, "consumers").into_host(Object::ConsumerInfo, self.unit))
    }

    /// Every consumer name of `stream` (all pages).
    pub async fn consumer_names(&self, stream: &str) -> Result<Vec<String>> {
        check_name("stream", stream)?;
        let mut names = Vec::new();
        loop {
            let answer = self
                .api(
                    &format!("CONSUMER.NAMES.{stream}"),
                    &json!({ "offset": names.len() }),
                )
                .await
                .map_err(|e| e.context(format_args!("stream {stream:?}")))?;
            let page = to_page(answer, "consumers");
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

    /// Deletes a consumer.
    pub async fn delete_consumer(&self, stream: &str, consumer: &str) -> Result<()> {
        check_name("stream", stream)?;
        check_name("consumer", consumer)?;
        self.api(&format!("CONSUMER.DELETE.{stream}.{consumer}"), &json!({}))
            .await
            .map_err(|e| e.context(format_args!("delete consumer {stream}/{consumer}")))?;
        self.forget_consumer(stream, consumer);
        Ok(())
    }

    /// Stops delivery from a consumer until `until`.
    pub async fn pause_consumer(
        &self,
        stream: &str,
        consumer: &str,
        until: OffsetDateTime,
    ) -> Result<PauseState> {
        let until = crate::timestamp::try_rfc3339(until, "pause until")?;
        self.pause_request(stream, consumer, json!({ "pause_until": until }))
            .await
    }

    /// Resumes a paused consumer now.
    pub async fn resume_consumer(&self, stream: &str, consumer: &str) -> Result<PauseState> {
        self.pause_request(stream, consumer, json!({})).await
    }

    async fn pause_request(&self, stream: &str, consumer: &str, body: Value) -> Result<PauseState> {
        check_name("stream", stream)?;
        check_name("consumer", consumer)?;
        let answer = self
            .api(&format!("CONSUMER.PAUSE.{stream}.{consumer}"), &body)
            .await
            .map_err(|e| e.context(format_args!("pause consumer {stream}/{consumer}")))?;
        let paused = answer
            .get("paused")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(PauseState {
            paused,
            pause_until: answer
                .get("pause_until")
                .and_then(Value::as_str)
                .filter(|_| paused)
                .map(str::to_string),
            pause_remaining: answer
                .get("pause_remaining")
                .and_then(Value::as_u64)
                .map(|n| self.unit.number(std::time::Duration::from_nanos(n))),
        })
    }

    async fn put_consumer<C: Serialize + ?Sized>(
        &self,
        stream: &str,
        config: &C,
        action: &str,
    ) -> Result<Value> {
        check_name("stream", stream)?;
        let config = Object::ConsumerConfig.from_host(serde_json::to_value(config)?, self.unit)?;
        if !config.is_object() {
            return Err(Error::invalid_argument(
                "consumer config must be a JSON object",
            ));
        }
        let name = ["name", "durable_name"]
            .iter()
            .find_map(|k| config.get(*k).and_then(Value::as_str))
            .map(str::to_string);
        let subject = match &name {
            Some(n) => {
                check_name("consumer", n)?;
                format!("CONSUMER.CREATE.{stream}.{n}")
            }
            None => format!("CONSUMER.CREATE.{stream}"),
        };
        let body = json!({ "stream_name": stream, "config": config, "action": action });
        let info = self.api(&subject, &body).await.map_err(|e| {
            e.context(format_args!(
                "{action} consumer {stream}/{}",
                name.as_deref().unwrap_or("(ephemeral)")
            ))
        })?;
        if let Some(n) = &name {
            self.forget_consumer(stream, n);
        }
        Ok(Object::ConsumerInfo.to_host(info, self.unit))
    }
}
