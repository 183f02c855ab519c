//! The job envelope: one JSON format shared by every host, so any host can push and any
//! host can work. Field names follow Laravel's queue payload where it has one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

/// Seconds to wait before retry number `n`: one number for every retry, or a list indexed
/// by attempt whose last value repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Backoff {
    /// The same delay before every retry.
    Fixed(f64),
    /// Delay before retry 1, 2, ...; the last value repeats.
    List(Vec<f64>),
    /// A list written as Laravel's payload writes it (`"10,30"`), kept in that form.
    Text(#[serde(with = "comma_list")] Vec<f64>),
}

impl Backoff {
    /// The delay after attempt `attempt` (1-based) failed.
    pub fn delay(&self, attempt: u32) -> Duration {
        let secs = match self {
            Backoff::Fixed(s) => *s,
            Backoff::List(list) | Backoff::Text(list) => {
                let i = (attempt.max(1) as usize - 1).min(list.len().saturating_sub(1));
                list.get(i).copied().unwrap_or(0.0)
            }
        };
        crate::duration::saturating_seconds(secs)
    }
}

/// `"10,30"` as `[10.0, 30.0]` and back (whole numbers without a fraction).
mod comma_list {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(list: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let parts: Vec<String> = list.iter().map(|v| v.to_string()).collect();
        s.serialize_str(&parts.join(","))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let text = String::deserialize(d)?;
        text.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
                _ => Err(D::Error::custom(format!(
                    "backoff {text:?}: expected seconds >= 0 separated by commas"
                ))),
            })
            .collect()
    }
}

/// Seconds that serialize as integers when whole (`120`, not `120.0`), as Laravel wrote them.
mod whole_seconds {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => s.serialize_i64(*x as i64),
            Some(x) => s.serialize_f64(*x),
            None => s.serialize_none(),
        }
    }
}

/// A queued job as stored in the stream (see the README for the field list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Unique job id (also the JetStream message id, for dedup).
    pub uuid: String,
    /// The queue it belongs to.
    #[serde(default)]
    pub queue: String,
    /// The job's name (handler key), e.g. `ProcessOrder`.
    pub job: String,
    /// Human-readable name; defaults to `job`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The payload: any JSON.
    #[serde(default)]
    pub data: Value,
    /// When it was first pushed, Unix seconds.
    #[serde(default)]
    pub pushed_at: f64,
    /// Attempts allowed; `None` uses the worker's or the connection's `tries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tries: Option<u32>,
    /// Delay before each retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    /// Retry no later than this Unix time; beats `max_tries`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_seconds::serialize"
    )]
    pub retry_until: Option<f64>,
    /// Exceptions allowed before the job fails (releases do not count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_exceptions: Option<u32>,
    /// Seconds a run may take before it counts as a failed attempt.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_seconds::serialize"
    )]
    pub timeout: Option<f64>,
    /// Attempts already made before this copy was queued.
    #[serde(default)]
    pub attempts: u32,
    /// Exceptions already thrown.
    #[serde(default)]
    pub exceptions: u32,
    /// Unique key: a second push with it is ignored or refused while this job lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_key: Option<String>,
    /// Partition key: jobs sharing it go to the same partition of a partitioned queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    /// W3C `traceparent` of the span that pushed the job, kept across retries and failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// W3C `tracestate` that came with `traceparent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
    /// Fields natskit does not know, kept as they came (Laravel's `commandName`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Per-push settings (any left `None` falls back to the worker's or connection's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct PushOptions {
    /// Attempts allowed.
    #[serde(alias = "tries", alias = "max_tries")]
    pub max_tries: Option<u32>,
    /// Retry delays.
    pub backoff: Option<Backoff>,
    /// Seconds from now after which the job is not retried.
    #[serde(alias = "retry_until")]
    pub retry_until: Option<f64>,
    /// Exceptions allowed.
    #[serde(alias = "max_exceptions")]
    pub max_exceptions: Option<u32>,
    /// Seconds a run may take.
    pub timeout: Option<f64>,
    /// Unique key.
    #[serde(alias = "unique_key", alias = "unique")]
    pub unique_key: Option<String>,
    /// Partition key (partitioned queues): jobs sharing it keep their order on one partition.
    #[serde(alias = "partition_key")]
    pub partition_key: Option<String>,
    /// Seconds to wait before the job becomes available.
    pub delay: Option<f64>,
    /// A job id to use instead of a generated one.
    pub id: Option<String>,
    /// Display name.
    #[serde(alias = "display_name")]
    pub display_name: Option<String>,
    /// W3C `traceparent` the job is pushed with (checked: `INVALID_ARGUMENT` when malformed).
    pub traceparent: Option<String>,
    /// W3C `tracestate` (needs `traceparent`).
    pub tracestate: Option<String>,
}

impl PushOptions {
    /// Reads a host's options object, durations in the host's `unit` (`null` means none).
    pub fn from_host(value: Value, unit: crate::Unit) -> Result<Self> {
        if value.is_null() {
            return Ok(PushOptions::default());
        }
        let value = crate::units::Object::PushOptions.from_host(value, unit)?;
        serde_json::from_value(value)
            .map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("push options: {e}")))
    }

    /// Reads options from JSON text (`null` or empty means none).
    pub fn from_json(text: Option<&str>) -> Result<Self> {
        match text
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "null")
        {
            None => Ok(PushOptions::default()),
            Some(t) => serde_json::from_str(t)
                .map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("push options: {e}"))),
        }
    }
}

/// Now as Unix seconds.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Envelope {
    /// A new envelope for `job` on `queue`.
    pub fn new(queue: &str, job: &str, data: Value, opts: &PushOptions) -> Result<Self> {
        if job.trim().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "job name must not be empty",
            ));
        }
        for (key, v) in [
            ("retryUntil", opts.retry_until),
            ("timeout", opts.timeout),
            ("delay", opts.delay),
        ] {
            if let Some(s) = v {
                crate::duration::seconds(s, key)?;
            }
        }
        let trace =
            crate::TraceContext::given(opts.traceparent.as_deref(), opts.tracestate.as_deref())?;
        let pushed_at = now();
        Ok(Envelope {
            uuid: opts.id.clone().unwrap_or_else(|| nuid::next().to_string()),
            queue: queue.to_string(),
            job: job.to_string(),
            display_name: opts.display_name.clone(),
            data,
            pushed_at,
            max_tries: opts.max_tries,
            backoff: opts.backoff.clone(),
            retry_until: opts.retry_until.map(|s| pushed_at + s),
            max_exceptions: opts.max_exceptions,
            timeout: opts.timeout,
            attempts: 0,
            exceptions: 0,
            unique_key: opts.unique_key.clone(),
            partition_key: opts.partition_key.clone(),
            traceparent: trace.as_ref().map(crate::TraceContext::traceparent),
            tracestate: trace.and_then(|t| t.tracestate),
            extra: Map::new(),
        })
    }

    /// Reads an envelope pushed by any host (or a Laravel-shaped payload).
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::new(ErrorCode::Serialization, format!("job envelope: {e}")))
    }

    /// The JSON bytes stored in the stream.
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec(self)?)
    }

    /// The trace context the job was pushed with; a malformed one (from a foreign pusher) is
    /// none. Nothing is parsed when the job has none.
    pub fn trace_context(&self) -> Option<crate::TraceContext> {
        crate::TraceContext::received(self.traceparent.as_deref()?, self.tracestate.as_deref())
    }

    /// The name to show: `displayName`, else `job`.
    pub fn name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_list_repeats_last() {
        let b = Backoff::List(vec![1.0, 5.0, 10.0]);
        let secs: Vec<u64> = (1..=5).map(|a| b.delay(a).as_secs()).collect();
        assert_eq!(secs, [1, 5, 10, 10, 10]);
        assert_eq!(Backoff::Fixed(3.0).delay(7).as_secs(), 3);
    }

    #[test]
    fn laravel_payload_is_accepted_and_kept() {
        let text = r#"{"uuid":"u1","displayName":"App\\Jobs\\Ship","job":"Illuminate\\Queue\\CallQueuedHandler@call",
            "maxTries":5,"maxExceptions":2,"backoff":[10,30],"timeout":120,"retryUntil":null,
            "data":{"commandName":"App\\Jobs\\Ship","command":"O:8:..."},"attempts":1,"failOnTimeout":false}"#;
        let env = Envelope::from_slice(text.as_bytes()).unwrap();
        assert_eq!(env.max_tries, Some(5));
        assert_eq!(env.backoff, Some(Backoff::List(vec![10.0, 30.0])));
        assert_eq!(env.name(), "App\\Jobs\\Ship");
        let back: Value = serde_json::from_slice(&env.to_vec().unwrap()).unwrap();
        assert_eq!(back["failOnTimeout"], false);
        assert_eq!(back["data"]["commandName"], "App\\Jobs\\Ship");
    }

    #[test]
    fn laravel_backoff_text_and_whole_seconds_round_trip() {
        let text = r#"{"uuid":"b030bc18-145c-415a-a6e6-711a3fe6b527","job":"Illuminate\\Queue\\CallQueuedHandler@call",
            "maxTries":3,"maxExceptions":null,"failOnTimeout":false,"backoff":"1,2.5","timeout":60,
            "retryUntil":1767225600,"data":{"commandName":"App\\Jobs\\ProcessOrder"},"createdAt":1767225000}"#;
        let env = Envelope::from_slice(text.as_bytes()).unwrap();
        assert_eq!(env.backoff, Some(Backoff::Text(vec![1.0, 2.5])));
        assert_eq!(env.backoff.as_ref().unwrap().delay(2).as_millis(), 2500);
        let back: Value = serde_json::from_slice(&env.to_vec().unwrap()).unwrap();
        assert_eq!(back["backoff"], "1,2.5");
        assert_eq!(back["timeout"], serde_json::json!(60));
        assert_eq!(back["retryUntil"], serde_json::json!(1767225600));
        assert_eq!(back["createdAt"], serde_json::json!(1767225000));
        assert_eq!(back["maxExceptions"], Value::Null);
        assert!(Envelope::from_slice(br#"{"uuid":"u","job":"j","backoff":"1,x"}"#).is_err());
        assert!(Envelope::from_slice(br#"{"uuid":"u","job":"j","backoff":"-1"}"#).is_err());
    }

    #[test]
    fn options_reject_unknown_keys() {
        assert!(PushOptions::from_json(Some(r#"{"tries": 3, "backoff": [1, 2]}"#)).is_ok());
        assert!(PushOptions::from_json(Some(r#"{"trys": 3}"#)).is_err());
        assert_eq!(
            PushOptions::from_json(None).unwrap(),
            PushOptions::default()
        );
    }
}
