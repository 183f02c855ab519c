//! Health checks with Nagios states: the connection and its round trip, JetStream, named
//! streams and consumers (with consumer lag), and queues (with the age of their oldest job).
//! The CLI's `natskit health` prints them; every host can run them.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result};

/// A check's state; the numbers are Nagios exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Within every threshold.
    Ok = 0,
    /// Past a warning threshold.
    Warning = 1,
    /// Down, missing, or past a critical threshold.
    Critical = 2,
    /// Could not be checked.
    Unknown = 3,
}

impl Status {
    /// The Nagios exit code.
    pub fn exit_code(self) -> u8 {
        self as u8
    }

    /// `OK`, `WARNING`, `CRITICAL` or `UNKNOWN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }
}

/// Warning and critical limits of one measure (either may be absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// WARNING above this.
    pub warn: Option<f64>,
    /// CRITICAL above this.
    pub crit: Option<f64>,
}

impl Thresholds {
    fn judge(&self, value: f64) -> Status {
        if self.crit.is_some_and(|c| value > c) {
            Status::Critical
        } else if self.warn.is_some_and(|w| value > w) {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    fn validate(&self, what: &str) -> Result<()> {
        for limit in [self.warn, self.crit].into_iter().flatten() {
            if !limit.is_finite() || limit < 0.0 {
                return Err(Error::invalid_argument(format!(
                    "{what}: thresholds must be finite and >= 0, got {limit}"
                )));
            }
        }
        Ok(())
    }
}

/// What to check beyond the connection. Durations are seconds here; hosts give them in their
/// unit ([`HealthOptions::from_host`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthOptions {
    /// Round trip to the server, seconds.
    pub rtt: Thresholds,
    /// Check that JetStream answers (also done when streams, consumers or queues are named).
    pub jetstream: bool,
    /// Streams that must exist.
    pub streams: Vec<String>,
    /// Consumers (`STREAM:CONSUMER`) that must exist; their lag (messages not yet delivered
    /// plus delivered and not acknowledged) is judged by `lag`.
    pub consumers: Vec<String>,
    /// Consumer lag, messages.
    pub lag: Thresholds,
    /// Queues judged by `age`.
    pub queues: Vec<String>,
    /// Age of a queue's oldest waiting job, seconds.
    pub age: Thresholds,
}

impl HealthOptions {
    /// Reads a host's options object (`null` = none), durations in the host's `unit`.
    pub fn from_host(value: serde_json::Value, unit: crate::Unit) -> Result<HealthOptions> {
        if value.is_null() {
            return Ok(HealthOptions::default());
        }
        let value = crate::units::Object::HealthOptions.from_host(value, unit)?;
        serde_json::from_value(value)
            .map_err(|e| Error::invalid_argument(format!("health options: {e}")))
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// `connection`, `jetstream`, `stream:NAME`, `consumer:STREAM:NAME` or `queue:NAME`.
    pub name: String,
    /// Its state.
    pub status: Status,
    /// What was found, for people.
    pub message: String,
    /// The round trip, seconds (the `connection` check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt: Option<f64>,
    /// Pending plus unacknowledged messages (a consumer check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag: Option<u64>,
    /// Age of the oldest waiting job, seconds (a queue check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<f64>,
}

impl Check {
    fn new(name: &str, status: Status, message: String) -> Check {
        Check {
            name: name.into(),
            status,
            message,
            rtt: None,
            lag: None,
            age: None,
        }
    }

    fn critical(name: &str, error: &Error) -> Check {
        Check::new(
            name,
            Status::Critical,
            format!("{}: {}", error.code().as_str(), error.message()),
        )
    }
}

/// Every check's outcome; `status` is the worst of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    /// The worst state of the checks.
    pub status: Status,
    /// The checks in the order they ran.
    pub checks: Vec<Check>,
}

impl HealthReport {
    fn new(checks: Vec<Check>) -> HealthReport {
        let status = checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Unknown);
        HealthReport { status, checks }
    }

    /// The report when no connection could be made: one CRITICAL `connection` check.
    pub fn unreachable(error: &Error) -> HealthReport {
        HealthReport::new(vec![Check::new(
            "connection",
            Status::Critical,
            error.message().to_string(),
        )])
    }

    /// The report for a host: `rtt` and `age` in the host's `unit`.
    pub fn to_host(&self, unit: crate::Unit) -> serde_json::Value {
        let value = serde_json::to_value(self).unwrap_or_default();
        crate::units::Object::HealthReport.to_host(value, unit)
    }

    /// One line for people (Nagios style): `OK: connection … in 0.4 ms; stream:ORDERS 3 messages`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .checks
            .iter()
            .map(|c| format!("{} {}", c.name, c.message))
            .collect();
        format!("{}: {}", self.status.as_str(), parts.join("; "))
    }

    /// The report as Prometheus text (for node_exporter's textfile collector).
    pub fn prometheus(&self) -> String {
        let mut out = String::from(
            "# HELP natskit_health_status Health check state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n\
             # TYPE natskit_health_status gauge\n",
        );
        for c in &self.checks {
            out.push_str(&format!(
                "natskit_health_status{{check=\"{}\"}} {}\n",
                escape_label(&c.name),
                c.status.exit_code()
            ));
        }
        let gauges: [Gauge; 3] = [
            ("rtt_seconds", "Round trip to the server.", |c| c.rtt),
            (
                "lag",
                "A consumer's pending plus unacknowledged messages.",
                |c| c.lag.map(|n| n as f64),
            ),
            ("age_seconds", "Age of a queue's oldest waiting job.", |c| {
                c.age
            }),
        ];
        for (metric, help, read) in gauges {
            let values: Vec<(&Check, f64)> = self
                .checks
                .iter()
                .filter_map(|c| read(c).map(|v| (c, v)))
                .collect();
            if values.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "# HELP natskit_health_{metric} {help}\n# TYPE natskit_health_{metric} gauge\n"
            ));
            for (c, v) in values {
                out.push_str(&format!(
                    "natskit_health_{metric}{{check=\"{}\"}} {v}\n",
                    escape_label(&c.name)
                ));
            }
        }
        out
    }
}

/// A Prometheus gauge of the report: name suffix, help text, and the check field it shows.
type Gauge = (&'static str, &'static str, fn(&Check) -> Option<f64>);

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Runs the checks on a connected client. Invalid options are an `INVALID_ARGUMENT` error;
/// everything found (a missing stream, JetStream down, a lag past a limit) is in the report.
pub async fn check(client: &Client, options: &HealthOptions) -> Result<HealthReport> {
    options.rtt.validate("rtt")?;
    options.lag.validate("lag")?;
    options.age.validate("age")?;
    let consumers = options
        .consumers
        .iter()
        .map(|c| {
            c.split_once(':').ok_or_else(|| {
                Error::invalid_argument(format!("consumer {c:?}: expected STREAM:CONSUMER"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let queues = options
        .queues
        .iter()
        .map(|q| crate::queue::Queue::new(client, q, "health"))
        .collect::<Result<Vec<_>>>()?;

    let mut checks = vec![connection(client, &options.rtt).await];
    let wants_jetstream = options.jetstream
        || !options.streams.is_empty()
        || !consumers.is_empty()
        || !queues.is_empty();
    if checks[0].status == Status::Critical || !wants_jetstream {
        return Ok(HealthReport::new(checks));
    }
    let js = client.jetstream();
    if let Err(e) = js.account_info().await {
        checks.push(Check::critical("jetstream", &e));
        return Ok(HealthReport::new(checks));
    }
    checks.push(Check::new("jetstream", Status::Ok, "available".into()));
    for stream in &options.streams {
        let name = format!("stream:{stream}");
        checks.push(match js.stream_info(stream).await {
            Ok(info) => Check::new(
                &name,
                Status::Ok,
                format!("{} messages", info["state"]["messages"]),
            ),
            Err(e) => Check::critical(&name, &e),
        });
    }
    for (stream, consumer) in consumers {
        let name = format!("consumer:{stream}:{consumer}");
        checks.push(match js.consumer_info(stream, consumer).await {
            Ok(info) => {
                let count = |k: &str| info[k].as_u64().unwrap_or(0);
                let lag = count("num_pending") + count("num_ack_pending");
                Check {
                    lag: Some(lag),
                    ..Check::new(&name, options.lag.judge(lag as f64), format!("lag {lag}"))
                }
            }
            Err(e) => Check::critical(&name, &e),
        });
    }
    for queue in queues {
        let name = format!("queue:{}", queue.name());
        checks.push(match queue.size().await {
            Ok(s) => Check {
                age: Some(s.oldest_age),
                ..Check::new(
                    &name,
                    options.age.judge(s.oldest_age),
                    format!(
                        "{} ready, {} reserved, oldest {:.1} s",
                        s.ready, s.reserved, s.oldest_age
                    ),
                )
            },
            Err(e) => Check::critical(&name, &e),
        });
    }
    Ok(HealthReport::new(checks))
}

/// Whether the server answers, and how fast (a flush is one round trip).
async fn connection(client: &Client, rtt: &Thresholds) -> Check {
    let started = Instant::now();
    let flushed = tokio::time::timeout(Duration::from_secs(5), client.flush()).await;
    match flushed {
        Ok(Ok(())) => {
            let secs = (started.elapsed().as_secs_f64() * 1e6).round() / 1e6;
            Check {
                rtt: Some(secs),
                ..Check::new(
                    "connection",
                    rtt.judge(secs),
                    format!("{} in {:.3} ms", client.connected_url(), secs * 1e3),
                )
            }
        }
        Ok(Err(e)) => Check::critical("connection", &e),
        Err(_) => Check::critical(
            "connection",
            &Error::timeout("the server did not answer a ping within 5 s"),
        ),
    }
}
