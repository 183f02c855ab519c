//! Ordered consumers: an ephemeral, unacknowledged reader of a stream that yields messages in
//! strict stream order, recreating its consumer from the next sequence after a gap, a missed
//! heartbeat, a deleted consumer or a server restart (async-nats' ordered pull consumer).

use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use futures::{Stream, StreamExt};
use serde_json::Value;
use time::OffsetDateTime;

use super::consume::{positive, Messages, DEFAULT_HEARTBEAT};
use super::error::from_nats;
use super::{check_name, Context};
use crate::error::{Error, Result};
use crate::units::{self, Unit};

/// Where an ordered consumer starts (the server's `deliver_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// The first message of the stream.
    #[default]
    All,
    /// The last message.
    Last,
    /// Only messages stored from now on.
    New,
    /// The message with this stream sequence (or the next one after it).
    Sequence(u64),
    /// The first message stored at or after this time.
    Time(OffsetDateTime),
    /// The last message of each subject.
    LastPerSubject,
}

/// What an ordered consumer reads; from a host's object with [`OrderedOptions::from_host`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderedOptions {
    /// Where to start.
    pub start: Start,
    /// Only these subjects (wildcards allowed); empty = every subject of the stream.
    pub filter_subjects: Vec<String>,
    /// How often the server says it is alive while no message comes (`None` = 5 s); two
    /// missed ones make the consumer recreate itself.
    pub heartbeat: Option<Duration>,
}

impl OrderedOptions {
    /// Options from a host's object: `deliver_policy` (`all`, `last`, `new`,
    /// `by_start_sequence`, `by_start_time`, `last_per_subject`), `opt_start_seq`,
    /// `opt_start_time` (RFC 3339), `filter_subjects` (a subject or a list) and `heartbeat`
    /// in `unit`; a start sequence or time alone implies its policy. `null` is the defaults;
    /// anything else is an `INVALID_ARGUMENT` naming the field.
    pub fn from_host(value: Value, unit: Unit) -> Result<OrderedOptions> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields, default)]
        struct Host {
            deliver_policy: Option<String>,
            opt_start_seq: Option<f64>,
            opt_start_time: Option<String>,
            filter_subjects: Option<Value>,
            heartbeat: Option<f64>,
        }
        if value.is_null() {
            return Ok(OrderedOptions::default());
        }
        if !value.is_object() {
            return Err(Error::invalid_argument(format!(
                "ordered consumer options: {value} is not an object"
            )));
        }
        let o: Host = serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("ordered consumer options: {e}")))?;
        let seq = o
            .opt_start_seq
            .map(|s| units::count(s, "opt_start_seq", 1))
            .transpose()?;
        let time = o
            .opt_start_time
            .map(|t| crate::timestamp::parse_rfc3339(&t, "opt_start_time"))
            .transpose()?;
        let policy = o.deliver_policy.as_deref().unwrap_or(match (seq, time) {
            (Some(_), _) => "by_start_sequence",
            (_, Some(_)) => "by_start_time",
            _ => "all",
        });
        let start = match (policy, seq, time) {
            ("all", None, None) => Start::All,
            ("last", None, None) => Start::Last,
            ("new", None, None) => Start::New,
            ("last_per_subject", None, None) => Start::LastPerSubject,
            ("by_start_sequence", Some(s), None) => Start::Sequence(s),
            ("by_start_time", None, Some(t)) => Start::Time(t),
            _ => {
                return Err(Error::invalid_argument(format!(
                    "deliver_policy: {policy:?} needs opt_start_seq with by_start_sequence, opt_start_time with by_start_time, neither otherwise (all, last, new, last_per_subject)"
                )))
            }
        };
        let filter_subjects = match o.filter_subjects {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(list)) => list
                .into_iter()
                .map(|s| match s {
                    Value::String(s) => Ok(s),
                    other => Err(Error::invalid_argument(format!(
                        "filter_subjects: {other} is not a subject"
                    ))),
                })
                .collect::<Result<_>>()?,
            Some(other) => {
                return Err(Error::invalid_argument(format!(
                    "filter_subjects: {other} is not a subject or a list of subjects"
                )))
            }
        };
        for s in &filter_subjects {
            crate::subject::validate_subscribe(s)?;
        }
        let heartbeat = positive(unit.optional(o.heartbeat, "heartbeat")?, "heartbeat")?;
        Ok(OrderedOptions {
            start,
            filter_subjects,
            heartbeat,
        })
    }

    fn deliver_policy(&self) -> DeliverPolicy {
        match self.start {
            Start::All => DeliverPolicy::All,
            Start::Last => DeliverPolicy::Last,
            Start::New => DeliverPolicy::New,
            Start::Sequence(start_sequence) => DeliverPolicy::ByStartSequence { start_sequence },
            Start::Time(start_time) => DeliverPolicy::ByStartTime { start_time },
            Start::LastPerSubject => DeliverPolicy::LastPerSubject,
        }
    }
}

impl Context {
    /// Reads `stream` in order through an ordered consumer: no acks, flow-controlled pulls,
    /// and a new consumer from the next sequence whenever a message is missed or the consumer
    /// is lost (deleted, server restarted), so `next` yields each message once in stream order.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn example(js: natskit::jetstream::Context) -> natskit::Result<()> {
    /// use natskit::jetstream::{OrderedOptions, Start};
    /// let options = OrderedOptions {
    ///     start: Start::Sequence(100),
    ///     filter_subjects: vec!["orders.>".into()],
    ///     ..Default::default()
    /// };
    /// let mut messages = js.ordered("ORDERS", &options).await?;
    /// while let Some(m) = messages.next(Some(std::time::Duration::from_secs(1))).await? {
    ///     println!("{} {}", m.metadata().stream_seq, m.subject());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ordered(&self, stream: &str, options: &OrderedOptions) -> Result<Messages> {
        check_name("stream", stream)?;
        self.client.check_open()?;
        let what = format!("ordered consumer of {stream}");
        let heartbeat = options.heartbeat.unwrap_or(DEFAULT_HEARTBEAT);
        let mut config = pull::OrderedConfig {
            deliver_policy: options.deliver_policy(),
            // Pulls expire after twice the heartbeat, which async-nats asks for at half of it.
            max_expires: heartbeat * 2,
            ..Default::default()
        };
        match options.filter_subjects.as_slice() {
            [one] => config.filter_subject = one.clone(),
            many => config.filter_subjects = many.to_vec(),
        }
        let found = self
            .js
            .get_stream_no_info(stream)
            .await
            .map_err(|e| from_nats(&e, &what))?;
        let consumer = found
            .create_consumer(config)
            .await
            .map_err(|e| from_nats(&e, &what))?;
        let messages = consumer
            .messages()
            .await
            .map_err(|e| from_nats(&e, &what))?;
        let mut tick = tokio::time::interval(heartbeat);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let messages = Repoll {
            inner: messages,
            tick,
        };
        let messages = messages.filter_map(move |next| {
            let next = match next {
                Ok(m) => Some(Ok(m)),
                // A failed pull (the server went away) heals by itself: missed heartbeats
                // recreate the consumer from the next sequence.
                Err(e) if e.kind() == pull::OrderedErrorKind::Pull => None,
                Err(e) => Some(Err(from_nats(&e, &what))),
            };
            std::future::ready(next)
        });
        Ok(Messages::new(messages.boxed(), &self.client))
    }
}

/// Polls `inner` again every tick while it waits: async-nats' ordered stream notes a first
/// missed heartbeat without asking to be woken for the second, so without this it would never
/// recreate a consumer lost with a restarted server.
struct Repoll<S> {
    inner: S,
    tick: tokio::time::Interval,
}

impl<S: Stream + Unpin> Stream for Repoll<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        loop {
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending if this.tick.poll_tick(cx).is_ready() => continue,
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use serde_json::json;

    #[test]
    fn options_name_a_start_and_refuse_what_does_not_fit() {
        let o = OrderedOptions::from_host(
            json!({"opt_start_seq": 5, "filter_subjects": "a.*", "heartbeat": 0.5}),
            Unit::Seconds,
        )
        .unwrap();
        assert_eq!(o.start, Start::Sequence(5));
        assert_eq!(o.filter_subjects, vec!["a.*".to_string()]);
        assert_eq!(o.heartbeat, Some(Duration::from_millis(500)));
        let o = OrderedOptions::from_host(
            json!({"deliver_policy": "last_per_subject", "filter_subjects": ["a", "b"]}),
            Unit::Milliseconds,
        )
        .unwrap();
        assert_eq!(o.start, Start::LastPerSubject);
        assert_eq!(o.filter_subjects.len(), 2);
        let o = OrderedOptions::from_host(
            json!({"opt_start_time": "2026-01-01T00:00:00Z"}),
            Unit::Seconds,
        )
        .unwrap();
        assert!(matches!(o.start, Start::Time(_)));
        assert_eq!(
            OrderedOptions::from_host(Value::Null, Unit::Seconds).unwrap(),
            OrderedOptions::default()
        );
        for bad in [
            json!({"deliver_policy": "first"}),
            json!({"deliver_policy": "by_start_sequence"}),
            json!({"deliver_policy": "all", "opt_start_seq": 3}),
            json!({"opt_start_seq": 0}),
            json!({"opt_start_time": "yesterday"}),
            json!({"filter_subjects": [1]}),
            json!({"heartbeat": -1}),
            json!({"heartbeat": 0}),
            json!({"batch": 10}),
            json!("all"),
        ] {
            let err = OrderedOptions::from_host(bad.clone(), Unit::Seconds).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad}");
        }
        let err = OrderedOptions::from_host(json!({"filter_subjects": "a..b"}), Unit::Seconds);
        assert_eq!(err.unwrap_err().code(), ErrorCode::InvalidSubject);
    }
}
