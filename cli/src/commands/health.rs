//! `natskit health`: core's health checks with Nagios exit codes.

use natskit::health::{self, HealthOptions, HealthReport, Status, Thresholds};

use crate::args::{Cli, HealthArgs, HealthFormat};
use crate::connect;
use crate::duration;
use crate::output::Output;

/// Runs the checks and prints the report; returns the overall state (the exit code). A server
/// that cannot be reached is a CRITICAL `connection` check, not an error.
pub async fn run(cli: &Cli, a: &HealthArgs, out: &Output) -> natskit::Result<Status> {
    let options = options(a)?;
    let report = match connect::client(cli).await {
        Ok(client) => {
            let report = health::check(&client, &options).await?;
            let _ = client.close().await;
            report
        }
        Err(e) if e.code() == natskit::ErrorCode::Config => return Err(e),
        Err(e) => HealthReport::unreachable(&e),
    };
    let format = if out.is_json() {
        HealthFormat::Json
    } else {
        a.format
    };
    match format {
        HealthFormat::Json => out.line(&report),
        HealthFormat::Prometheus => print!("{}", report.prometheus()),
        HealthFormat::Text => {
            println!("{}", report.summary());
        }
    }
    Ok(report.status)
}

fn options(a: &HealthArgs) -> natskit::Result<HealthOptions> {
    let seconds = |d: &Option<String>| -> natskit::Result<Option<f64>> {
        d.as_deref()
            .map(|d| duration::parse(d).map(|d| d.as_secs_f64()))
            .transpose()
    };
    Ok(HealthOptions {
        rtt: Thresholds {
            warn: a.rtt_warn.map(|ms| ms / 1e3),
            crit: a.rtt_crit.map(|ms| ms / 1e3),
        },
        jetstream: a.jetstream,
        streams: a.streams.clone(),
        consumers: a.consumers.clone(),
        lag: Thresholds {
            warn: a.lag_warn.map(|n| n as f64),
            crit: a.lag_crit.map(|n| n as f64),
        },
        queues: a.queues.clone(),
        age: Thresholds {
            warn: seconds(&a.age_warn)?,
            crit: seconds(&a.age_crit)?,
        },
    })
}
