//! Durations in a host's unit: one unit per host (seconds for Python and PHP, milliseconds
//! for Node and C, nanoseconds for the server's own JSON), and the one table of every duration
//! field in the JSON objects that cross the hosts (stream, consumer and KV configs and infos,
//! connection config objects). Bindings never convert a duration field themselves: they name
//! their [`Unit`] and core converts, refusing what the server cannot represent.

use std::time::Duration;

use serde_json::{Number, Value};

use crate::error::{Error, ErrorCode, Result};

/// The unit a host gives and receives durations in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds: the server's JSON, unchanged (the Rust API's JSON pass-through).
    #[default]
    Nanoseconds,
    /// Milliseconds (Node, C).
    Milliseconds,
    /// Seconds (Python, PHP, files and the environment).
    Seconds,
}

/// The longest duration the server stores (Go's `time.Duration`, nanoseconds in an `i64`).
const MAX_NANOS: f64 = i64::MAX as f64;

impl Unit {
    /// Nanoseconds in one of this unit.
    fn nanos(self) -> f64 {
        match self {
            Unit::Nanoseconds => 1.0,
            Unit::Milliseconds => 1e6,
            Unit::Seconds => 1e9,
        }
    }

    /// The unit's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Nanoseconds => "nanoseconds",
            Unit::Milliseconds => "milliseconds",
            Unit::Seconds => "seconds",
        }
    }

    /// `value` of this unit as a `Duration`; NaN, infinite, negative or longer than the server
    /// can store is an `INVALID_ARGUMENT` naming `what`.
    pub fn duration(self, value: f64, what: &str) -> Result<Duration> {
        let nanos = value * self.nanos();
        if !(value.is_finite() && value >= 0.0 && nanos <= MAX_NANOS) {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "{what}: {value:?} is not a duration in {} from 0 to {}",
                    self.name(),
                    MAX_NANOS / self.nanos()
                ),
            ));
        }
        Ok(Duration::from_nanos(nanos.round() as u64))
    }

    /// `value` of this unit as a `Duration` that may also be absent: `None` stays `None`.
    pub fn optional(self, value: Option<f64>, what: &str) -> Result<Option<Duration>> {
        value.map(|v| self.duration(v, what)).transpose()
    }

    /// A `Duration` in this unit: seconds are always a float (the hosts' seconds are floats);
    /// milliseconds and nanoseconds are an integer when whole, else a fraction.
    pub fn number(self, d: Duration) -> Number {
        let nanos = d.as_nanos();
        let per = self.nanos() as u128;
        if self != Unit::Seconds && nanos.is_multiple_of(per) {
            if let Ok(whole) = u64::try_from(nanos / per) {
                return Number::from(whole);
            }
        }
        Number::from_f64(nanos as f64 / self.nanos()).unwrap_or_else(|| Number::from(u64::MAX))
    }

    /// A `Duration` in this unit as a float (hosts whose numbers are floats).
    pub fn float(self, d: Duration) -> f64 {
        d.as_nanos() as f64 / self.nanos()
    }

    /// Seconds as core keeps them (a job's timeout, queue numbers) in this unit.
    pub fn from_seconds(self, seconds: f64) -> f64 {
        seconds * (Unit::Seconds.nanos() / self.nanos())
    }
}

/// The largest whole number every host's numbers hold exactly (JavaScript's
/// `Number.MAX_SAFE_INTEGER`): the ceiling of [`count`].
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// A count, sequence or revision given as a host's number: a whole number from `min` to
/// [`MAX_COUNT`]. NaN, infinite, negative, fractional or larger is an `INVALID_ARGUMENT` naming
/// `what`, never wrapped, saturated or rounded (`-1` used to become 4294967295 in Node).
pub fn count(value: f64, what: &str, min: u64) -> Result<u64> {
    if value.is_finite() && value.fract() == 0.0 && value >= min as f64 && value <= MAX_COUNT as f64
    {
        return Ok(value as u64);
    }
    Err(Error::invalid_argument(format!(
        "{what}: {value:?} is not a whole number from {min} to {MAX_COUNT}"
    )))
}

/// A per-message TTL: the server stores whole seconds, at least one, so anything else is an
/// `INVALID_ARGUMENT` rather than a silently rounded TTL.
pub fn message_ttl(ttl: Duration) -> Result<Duration> {
    if ttl.as_secs() == 0 || ttl.subsec_nanos() != 0 {
        return Err(Error::invalid_argument(format!(
            "ttl: {} s is not a whole number of seconds of at least 1 (the server's resolution)",
            ttl.as_secs_f64()
        )));
    }
    Ok(ttl)
}

/// A JSON object whose duration fields the table knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// A stream config (`max_age`, `duplicate_window`, ...).
    StreamConfig,
    /// A stream info: its `config`, cluster and source `active` times.
    StreamInfo,
    /// A consumer config (`ack_wait`, `backoff`, ...).
    ConsumerConfig,
    /// A consumer info: its `config`, `pause_remaining`, cluster `active` times.
    ConsumerInfo,
    /// A KV bucket config (`max_age`).
    KvConfig,
    /// An object store bucket config (`max_age`).
    ObjectStoreConfig,
    /// Job push options (`delay`, `backoff`, `timeout`, `retryUntil`; seconds in core).
    PushOptions,
    /// Worker options (`timeout`, `sleep`, `max_time`, `rest`; seconds in core).
    WorkerOptions,
    /// A job event (`delay`; seconds in core).
    JobEvent,
    /// A queue's numbers (`oldest_age`; seconds in core).
    QueueSize,
    /// A service's STATS answer (`endpoints[].processing_time`, nanoseconds in core).
    ServiceStats,
    /// A connection config object: named connections (`{"connections": {...}}`) or one
    /// connection's keys (`request_timeout`, `reconnect.delay`, ...; seconds in files).
    Config,
    /// Health check options (`rtt` and `age` thresholds).
    HealthOptions,
    /// A health report (each check's `rtt` and `age`).
    HealthReport,
}

/// Duration fields of a stream config; `a.b` is a nested field, `a[]` each element of a
/// list on the way; a field holding a list has each of its numbers converted.
const STREAM_CONFIG: &[&str] = &[
    "max_age",
    "duplicate_window",
    "subject_delete_marker_ttl",
    "consumer_limits.inactive_threshold",
];

/// Duration fields of a consumer config.
const CONSUMER_CONFIG: &[&str] = &[
    "ack_wait",
    "idle_heartbeat",
    "inactive_threshold",
    "max_expires",
    "backoff",
];

/// Duration fields of an info besides its `config` (cluster replicas, mirror and sources).
const STREAM_INFO: &[&str] = &[
    "cluster.replicas[].active",
    "mirror.active",
    "sources[].active",
];

/// Duration fields of a consumer info besides its `config`.
const CONSUMER_INFO: &[&str] = &["cluster.replicas[].active", "pause_remaining"];

/// Duration fields of a KV or object store bucket config.
const KV_CONFIG: &[&str] = &["max_age"];

/// Duration fields of job push options, in both spellings the options accept.
const PUSH_OPTIONS: &[&str] = &["delay", "backoff", "timeout", "retryUntil", "retry_until"];

/// Duration fields of worker options, in both spellings the options accept.
const WORKER_OPTIONS: &[&str] = &["timeout", "sleep", "rest", "max_time", "maxTime"];

/// Duration fields of a job event and of a queue's numbers.
const JOB_EVENT: &[&str] = &["delay"];
const QUEUE_SIZE: &[&str] = &["oldest_age"];

/// Duration fields of health check options and of a health report.
const HEALTH_OPTIONS: &[&str] = &["rtt.warn", "rtt.crit", "age.warn", "age.crit"];
const HEALTH_REPORT: &[&str] = &["checks[].rtt", "checks[].age"];
/// Duration fields of a service's STATS answer.
const SERVICE_STATS: &[&str] = &[
    "endpoints[].processing_time",
    "endpoints[].average_processing_time",
];

/// Duration fields of a connection config object (seconds in files and in the core's structs).
const CONNECTION: &[&str] = &[
    "connect_timeout",
    "request_timeout",
    "ping_interval",
    "reconnect.delay",
    "reconnect.max_delay",
    "reconnect.jitter",
    "jetstream.timeout",
    "queue.retry_after",
    "queue.unique_for",
];

impl Object {
    /// The duration fields, each with the nested object it lives in (`config.` for infos),
    /// and the unit the core's side of the object uses.
    fn fields(self) -> (Vec<String>, Unit) {
        let plain = |t: &[&str]| t.iter().map(|f| f.to_string()).collect();
        let info = |own: &[&str], config: &[&str]| {
            own.iter()
                .map(|f| f.to_string())
                .chain(config.iter().map(|f| format!("config.{f}")))
                .collect()
        };
        match self {
            Object::StreamConfig => (plain(STREAM_CONFIG), Unit::Nanoseconds),
            Object::StreamInfo => (info(STREAM_INFO, STREAM_CONFIG), Unit::Nanoseconds),
            Object::ConsumerConfig => (plain(CONSUMER_CONFIG), Unit::Nanoseconds),
            Object::ConsumerInfo => (info(CONSUMER_INFO, CONSUMER_CONFIG), Unit::Nanoseconds),
            Object::KvConfig => (plain(KV_CONFIG), Unit::Nanoseconds),
            Object::ObjectStoreConfig => (plain(KV_CONFIG), Unit::Nanoseconds),
            Object::PushOptions => (plain(PUSH_OPTIONS), Unit::Seconds),
            Object::WorkerOptions => (plain(WORKER_OPTIONS), Unit::Seconds),
            Object::JobEvent => (plain(JOB_EVENT), Unit::Seconds),
            Object::QueueSize => (plain(QUEUE_SIZE), Unit::Seconds),
            Object::ServiceStats => (plain(SERVICE_STATS), Unit::Nanoseconds),
            Object::Config => (plain(CONNECTION), Unit::Seconds),
            Object::HealthOptions => (plain(HEALTH_OPTIONS), Unit::Seconds),
            Object::HealthReport => (plain(HEALTH_REPORT), Unit::Seconds),
        }
    }

    /// Converts `value`'s duration fields from the host's `unit` to the core's (nanoseconds
    /// for the server's JSON, seconds for connection configs). A field that is not a
    /// non-negative number the server can store is an `INVALID_ARGUMENT` naming it.
    pub fn from_host(self, mut value: Value, unit: Unit) -> Result<Value> {
        let (fields, core) = self.fields();
        if unit == core {
            return Ok(value);
        }
        for root in self.roots(&mut value) {
            for field in &fields {
                let path: Vec<&str> = field.split('.').collect();
                convert(root, &path, field, &mut |n, name| {
                    let Some(x) = n.as_f64() else {
                        return Err(Error::invalid_argument(format!(
                            "{name}: {n} is not a number"
                        )));
                    };
                    let d = unit.duration(x, name)?;
                    Ok(Value::Number(core.number(d)))
                })?;
            }
        }
        Ok(value)
    }

    /// Converts `value`'s duration fields from the core's unit to the host's `unit`.
    /// Numbers the table cannot read (negative sentinels from the server) pass unchanged.
    pub fn to_host(self, mut value: Value, unit: Unit) -> Value {
        let (fields, core) = self.fields();
        if unit == core {
            return value;
        }
        for root in self.roots(&mut value) {
            for field in &fields {
                let path: Vec<&str> = field.split('.').collect();
                let _ = convert(root, &path, field, &mut |n, name| {
                    let d = n
                        .as_f64()
                        .and_then(|x| core.duration(x, name).ok())
                        .ok_or_else(|| Error::invalid_argument(""))?;
                    Ok(Value::Number(unit.number(d)))
                });
            }
        }
        value
    }

    /// The objects the fields are relative to: every named connection of a `Config`.
    fn roots(self, value: &mut Value) -> Vec<&mut Value> {
        let named =
            self == Object::Config && value.get("connections").is_some_and(Value::is_object);
        if !named {
            return vec![value];
        }
        match value.get_mut("connections") {
            Some(Value::Object(connections)) => connections.values_mut().collect(),
            _ => Vec::new(),
        }
    }
}

/// A core value whose JSON has duration fields in the table: a host takes its JSON from
/// [`HostJson::to_host`] in the host's unit rather than converting any field itself.
pub trait HostJson: serde::Serialize {
    /// The value's entry in the table.
    const OBJECT: Object;

    /// The value's JSON with every duration in `unit`.
    fn to_host(&self, unit: Unit) -> Result<Value> {
        Ok(Self::OBJECT.to_host(serde_json::to_value(self)?, unit))
    }
}

impl HostJson for crate::queue::JobEvent {
    const OBJECT: Object = Object::JobEvent;
}

impl HostJson for crate::queue::QueueSize {
    const OBJECT: Object = Object::QueueSize;
}

/// Applies `f` to the number at `path` in `value` (each element of a list, and of the
/// lists `name[]` names on the way); absent or `null` fields are left alone.
fn convert(
    value: &mut Value,
    path: &[&str],
    field: &str,
    f: &mut dyn FnMut(&Number, &str) -> Result<Value>,
) -> Result<()> {
    let Some((head, rest)) = path.split_first() else {
        return match value {
            Value::Number(n) => {
                *value = f(n, field)?;
                Ok(())
            }
            Value::Null => Ok(()),
            Value::Array(items) => items
                .iter_mut()
                .try_for_each(|item| convert(item, path, field, f)),
            other => Err(Error::invalid_argument(format!(
                "{field}: {other} is not a number"
            ))),
        };
    };
    let (key, each) = match head.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (*head, false),
    };
    let Some(child) = value.as_object_mut().and_then(|o| o.get_mut(key)) else {
        return Ok(());
    };
    match (each, child) {
        (true, Value::Array(items)) => {
            for item in items {
                convert(item, rest, field, f)?;
            }
            Ok(())
        }
        (true, Value::Null) => Ok(()),
        (true, other) => Err(Error::invalid_argument(format!(
            "{field}: {other} is not a list"
        ))),
        (false, child) => convert(child, rest, field, f),
    }
}

/// Serde adapter: a `Duration` as whole nanoseconds (the server's JSON).
pub mod nanos {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes whole nanoseconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Reads whole nanoseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stream_config_and_info_round_trip_in_each_unit() {
        let host = json!({"name": "S", "max_age": 1.5, "duplicate_window": 120.0,
            "consumer_limits": {"inactive_threshold": 0.25}, "max_msgs": 10});
        let server = Object::StreamConfig.from_host(host, Unit::Seconds).unwrap();
        assert_eq!(server["max_age"], json!(1_500_000_000u64));
        assert_eq!(server["duplicate_window"], json!(120_000_000_000u64));
        assert_eq!(
            server["consumer_limits"]["inactive_threshold"],
            json!(250_000_000u64)
        );
        assert_eq!(server["max_msgs"], json!(10));
        let info = json!({"config": server, "cluster": {"replicas": [{"active": 2_000_000u64}]}});
        let ms = Object::StreamInfo.to_host(info, Unit::Milliseconds);
        assert_eq!(ms["config"]["max_age"], json!(1500));
        assert_eq!(ms["config"]["duplicate_window"], json!(120_000));
        assert_eq!(ms["cluster"]["replicas"][0]["active"], json!(2));
    }

    #[test]
    fn consumer_backoff_and_fractions_of_a_millisecond() {
        let server = Object::ConsumerConfig
            .from_host(
                json!({"ack_wait": 30_000, "backoff": [1000, 2500]}),
                Unit::Milliseconds,
            )
            .unwrap();
        assert_eq!(server["ack_wait"], json!(30_000_000_000u64));
        assert_eq!(
            server["backoff"],
            json!([1_000_000_000u64, 2_500_000_000u64])
        );
        let info = json!({"config": {"ack_wait": 1_500_000}, "pause_remaining": 3_000_000_000u64});
        let host = Object::ConsumerInfo.to_host(info, Unit::Milliseconds);
        assert_eq!(host["config"]["ack_wait"], json!(1.5));
        assert_eq!(host["pause_remaining"], json!(3000));
    }

    #[test]
    fn bad_durations_are_invalid_arguments_naming_the_field() {
        for bad in [json!(-1), json!("1s"), json!(1e300)] {
            let err = Object::ConsumerConfig
                .from_host(json!({ "backoff": [1, bad] }), Unit::Seconds)
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.message().starts_with("backoff: "), "{err}");
        }
        let err = Object::StreamConfig
            .from_host(json!({"max_age": -0.5}), Unit::Milliseconds)
            .unwrap_err();
        assert!(err.message().contains("max_age"), "{err}");
    }

    #[test]
    fn queue_options_convert_to_seconds() {
        let push = json!({"delay": 1500, "backoff": [500, 1000], "retryUntil": 60_000, "tries": 3});
        let s = Object::PushOptions
            .from_host(push, Unit::Milliseconds)
            .unwrap();
        assert_eq!(
            s,
            json!({"delay": 1.5, "backoff": [0.5, 1.0], "retryUntil": 60.0, "tries": 3})
        );
        let one = Object::PushOptions
            .from_host(json!({"backoff": 2000}), Unit::Milliseconds)
            .unwrap();
        assert_eq!(one["backoff"], json!(2.0));
        let worker = Object::WorkerOptions
            .from_host(
                json!({"sleep": 250, "max_time": 3_600_000}),
                Unit::Milliseconds,
            )
            .unwrap();
        assert_eq!(worker, json!({"sleep": 0.25, "max_time": 3600.0}));
        let err = Object::PushOptions
            .from_host(json!({"backoff": "1,2"}), Unit::Milliseconds)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn nanoseconds_pass_through_untouched() {
        let v = json!({"max_age": 7, "backoff": "not checked"});
        assert_eq!(
            Object::StreamConfig
                .from_host(v.clone(), Unit::Nanoseconds)
                .unwrap(),
            v
        );
    }

    #[test]
    fn connection_objects_convert_to_seconds() {
        let conn = json!({"request_timeout": 2500, "reconnect": {"delay": 100}, "jetstream": {"timeout": 1000}});
        let s = Object::Config
            .from_host(conn.clone(), Unit::Milliseconds)
            .unwrap();
        assert_eq!(s["request_timeout"], json!(2.5));
        assert_eq!(s["reconnect"]["delay"], json!(0.1));
        assert_eq!(s["jetstream"]["timeout"], json!(1.0));
        let named = Object::Config
            .from_host(json!({"connections": {"a": conn}}), Unit::Milliseconds)
            .unwrap();
        assert_eq!(named["connections"]["a"]["request_timeout"], json!(2.5));
    }

    #[test]
    fn ttls_are_whole_seconds_of_at_least_one() {
        assert!(message_ttl(Duration::from_secs(2)).is_ok());
        for bad in [
            Duration::from_millis(1500),
            Duration::from_millis(500),
            Duration::ZERO,
        ] {
            let err = message_ttl(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
        }
    }

    #[test]
    fn counts_are_whole_numbers_in_range() {
        assert_eq!(count(3.0, "max", 1).unwrap(), 3);
        assert_eq!(count(0.0, "revision", 0).unwrap(), 0);
        for bad in [-1.0, 0.0, 1.5, f64::NAN, f64::INFINITY, 2f64.powi(64)] {
            let err = count(bad, "max", 1).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.message().starts_with("max: "), "{err}");
        }
    }

    #[test]
    fn job_events_and_queue_sizes_serialize_in_the_host_unit() {
        let event = crate::queue::JobEvent::Released {
            id: "j".into(),
            delay: 1.5,
        };
        assert_eq!(
            event.to_host(Unit::Milliseconds).unwrap()["delay"],
            json!(1500)
        );
        assert_eq!(event.to_host(Unit::Seconds).unwrap()["delay"], json!(1.5));
        let size = crate::queue::QueueSize {
            oldest_age: 0.25,
            ..Default::default()
        };
        assert_eq!(
            size.to_host(Unit::Milliseconds).unwrap()["oldest_age"],
            json!(250)
        );
        assert_eq!(Unit::Milliseconds.from_seconds(2.5), 2500.0);
    }

    #[test]
    fn units_convert_scalars_both_ways() {
        let d = Unit::Seconds.duration(0.1, "t").unwrap();
        assert_eq!(d, Duration::from_millis(100));
        assert_eq!(Unit::Milliseconds.float(d), 100.0);
        assert_eq!(Unit::Milliseconds.number(d), Number::from(100u64));
        for bad in [f64::NAN, -1.0, f64::INFINITY, 1e30] {
            assert_eq!(
                Unit::Milliseconds.duration(bad, "t").unwrap_err().code(),
                ErrorCode::InvalidArgument
            );
        }
    }
}
