//! Health checks with Nagios states: the connection and its round trip, JetStream, named
//! streams and consumers (with consumer lag), and queues (with the age of their oldest job).
//! The CLI's `natskit health` prints them; every host can run them.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};

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

/// What to check beyond the connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthOptions {
    /// Round trip to the server, milliseconds.
    pub rtt_ms: Thresholds,
    /// Check that JetStream answers (also done when streams, consumers or queues are named).
    pub jetstream: bool,
    /// Streams that must exist.
    pub streams: Vec<String>,
    /// Consumers (`STREAM:CONSUMER`) that must exist; their lag (messages not yet delivered
    /// plus delivered and not acknowledged) is judged by `lag`.
    pub consumers: Vec<String>,
    /// Consumer lag, messages.
    pub lag: Thresholds,
    /// Queues whose oldest waiting job's age is judged by `age_s`.
    pub queues: Vec<String>,
    /// Age of a queue's oldest waiting job, seconds.
    pub age_s: Thresholds,
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
    /// The measure judged (RTT ms, lag, age s), when there is one.
    pub value: Option<f64>,
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
        HealthReport::new(vec![Check {
            name: "connection".into(),
            status: Status::Critical,
            message: error.message().to_string(),
            value: None,
        }])
    }

    /// One line for people (Nagios style): `OK: connection 0.4 ms; stream:ORDERS exists`.
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
        out.push_str(
            "# HELP natskit_health_value The measure a check judged (RTT ms, lag, age s).\n\
             # TYPE natskit_health_value gauge\n",
        );
        for c in &self.checks {
            if let Some(v) = c.value {
                out.push_str(&format!(
                    "natskit_health_value{{check=\"{}\"}} {v}\n",
                    escape_label(&c.name)
                ));
            }
        }
        out
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Runs the checks on a connected client. Invalid options are an `INVALID_ARGUMENT` error;
/// everything found (a missing stream, JetStream down, a lag past a limit) is in the report.
pub async fn check(client: &Client, options: &HealthOptions) -> Result<HealthReport> {
    options.rtt_ms.validate("rtt_ms")?;
    options.lag.validate("lag")?;
    options.age_s.validate("age_s")?;
    let consumers = options
        .consumers
        .iter()
        .map(|c| {
            c.split_once(':').ok_or_else(|| {
                Error::invalid_argument(format!("consumer {c:?}: expected STREAM:CONSUMER"))
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut checks = vec![connection(client, &options.rtt_ms).await];
    if checks[0].status == Status::Critical {
        return Ok(HealthReport::new(checks));
    }
    let wants_jetstream = options.jetstream
        || !options.streams.is_empty()
        || !consumers.is_empty()
        || !options.queues.is_empty();
    if wants_jetstream {
        let js = client.jetstream();
        let available = js.account_info().await;
        checks.push(match &available {
            Ok(_) => ok("jetstream", "available".into(), None),
            Err(e) => critical("jetstream", e),
        });
        if available.is_err() {
            return Ok(HealthReport::new(checks));
        }
        for stream in &options.streams {
            let name = format!("stream:{stream}");
            checks.push(match js.stream_info(stream).await {
                Ok(info) => ok(
                    &name,
                    format!("{} messages", info["state"]["messages"]),
                    None,
                ),
                Err(e) => critical(&name, &e),
            });
        }
        for (stream, consumer) in consumers {
            let name = format!("consumer:{stream}:{consumer}");
            checks.push(match js.consumer_info(stream, consumer).await {
                Ok(info) => {
                    let count = |k: &str| info[k].as_u64().unwrap_or(0);
                    let lag = (count("num_pending") + count("num_ack_pending")) as f64;
                    judged(&name, options.lag.judge(lag), format!("lag {lag}"), lag)
                }
                Err(e) => critical(&name, &e),
            });
        }
        for queue in &options.queues {
            let name = format!("queue:{queue}");
            let size = match crate::queue::Queue::new(client, queue, "health") {
                Ok(q) => q.size().await,
                Err(e) => Err(e),
            };
            checks.push(match size {
                Ok(s) => judged(
                    &name,
                    options.age_s.judge(s.oldest_age),
                    format!(
                        "{} ready, {} reserved, oldest {:.1} s",
                        s.ready, s.reserved, s.oldest_age
                    ),
                    s.oldest_age,
                ),
                Err(e) if e.code() == ErrorCode::InvalidArgument => return Err(e),
                Err(e) => critical(&name, &e),
            });
        }
    }
    Ok(HealthReport::new(checks))
}

/// Whether the server answers, and how fast (a flush is one round trip).
async fn connection(client: &Client, rtt: &Thresholds) -> Check {
    let started = Instant::now();
    let flushed = tokio::time::timeout(Duration::from_secs(5), client.flush()).await;
    match flushed {
        Ok(Ok(())) => {
            let ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
            judged(
                "connection",
                rtt.judge(ms),
                format!("{} in {ms} ms", client.connected_url()),
                ms,
            )
        }
        Ok(Err(e)) => critical("connection", &e),
        Err(_) => critical(
            "connection",
            &Error::timeout("the server did not answer a ping within 5 s"),
        ),
    }
}

fn ok(name: &str, message: String, value: Option<f64>) -> Check {
    Check {
        name: name.into(),
        status: Status::Ok,
        message,
        value,
    }
}

fn judged(name: &str, status: Status, message: String, value: f64) -> Check {
    Check {
        name: name.into(),
        status,
        message,
        value: Some(value),
    }
}

fn critical(name: &str, error: &Error) -> Check {
    Check {
        name: name.into(),
        status: Status::Critical,
        message: format!("{}: {}", error.code().as_str(), error.message()),
        value: None,
    }
}
