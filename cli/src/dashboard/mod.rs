//! `natskit dashboard`: a web page of the connection, its streams and consumers and its job
//! queues (sizes, the job waiting longest, 15 minutes of throughput and failures, the newest
//! failed jobs with retry and forget), updated live through server-sent events. The page is
//! built into the binary; the numbers are core's overviews (`natskit::overview`), taken every
//! `--interval` by one task and shared by every browser.

mod access;
mod history;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use natskit::overview::{overview, Overview, OverviewOptions, RECENT_FAILED};
use natskit::{Client, Error, ErrorCode};
use serde_json::json;
use tokio::sync::{watch, Notify};

use crate::args::{Cli, DashboardArgs};
use crate::output::Output;
use access::{Access, TOKEN_ENV};
use history::History;

/// The longest one overview may take before it counts as failed.
const OVERVIEW_TIMEOUT: Duration = Duration::from_secs(10);

/// How long open pages get to go once the dashboard is stopped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// What every request handler shares.
pub struct Board {
    client: Client,
    access: Access,
    read_only: bool,
    /// The latest state as the page reads it (JSON text).
    state: watch::Sender<Arc<str>>,
    /// Set once the dashboard stops: live updates end.
    closing: watch::Sender<bool>,
    /// Asks for a new overview now (after an action).
    wake: Notify,
}

/// Serves the dashboard until Ctrl-C or SIGTERM.
pub async fn run(cli: &Cli, args: &DashboardArgs, out: &Output) -> natskit::Result<()> {
    let token = args
        .dashboard_token
        .clone()
        .or_else(|| std::env::var(TOKEN_ENV).ok());
    let access = Access::new(args.listen, token)?;
    let interval = crate::duration::parse(&args.interval)?;
    if interval < Duration::from_millis(100) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "--interval: expected at least 100ms between overviews",
        ));
    }
    let stop = stop_signal()?;
    let (client, connection) = crate::connect::named(cli).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::Io,
                format!("cannot listen on {}: {e}", args.listen),
            )
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::new(ErrorCode::Io, e.to_string()))?;
    let board = Arc::new(Board {
        client,
        access,
        read_only: args.read_only,
        state: watch::channel(Arc::from("{}")).0,
        closing: watch::channel(false).0,
        wake: Notify::new(),
    });
    let mut history = History::default();
    let last = board.sample(&connection, &mut history, None).await;
    let sampler = tokio::spawn(
        board
            .clone()
            .sample_every(connection, interval, history, last),
    );

    let url = format!("http://{address}/");
    if out.is_json() {
        out.line(&json!({ "url": url, "read_only": args.read_only }));
    } else {
        println!("natskit dashboard on {url} (Ctrl-C stops it)");
    }
    let mut closing = board.closing.subscribe();
    let server =
        axum::serve(listener, routes::router(board.clone())).with_graceful_shutdown(async move {
            let _ = closing.wait_for(|c| *c).await;
        });
    let server = tokio::spawn(async move { server.await });
    stop.await;
    board.closing.send_replace(true);
    sampler.abort();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, server).await;
    Ok(())
}

impl Board {
    /// Takes an overview every `interval` (and at once when woken) for ever.
    async fn sample_every(
        self: Arc<Self>,
        connection: String,
        interval: Duration,
        mut history: History,
        mut last: Option<Overview>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = self.wake.notified() => {}
            }
            last = self.sample(&connection, &mut history, last).await;
        }
    }

    /// Takes one overview, records it and publishes the new state; returns the latest good
    /// overview (`last` when this one failed, whose error the state then carries).
    async fn sample(
        &self,
        connection: &str,
        history: &mut History,
        last: Option<Overview>,
    ) -> Option<Overview> {
        let options = OverviewOptions {
            connection: connection.to_string(),
            recent_failed: RECENT_FAILED,
            failed_since: history.since().unwrap_or_else(natskit::queue::now),
        };
        let taken = tokio::time::timeout(OVERVIEW_TIMEOUT, overview(&self.client, &options)).await;
        let (last, error) = match taken {
            Ok(Ok(view)) => {
                history.record(&view);
                (Some(view), None)
            }
            Ok(Err(e)) => (
                last,
                Some(format!("{}: {}", e.code().as_str(), e.message())),
            ),
            Err(_) => (
                last,
                Some("TIMEOUT: the overview took longer than 10 s".to_string()),
            ),
        };
        let state = json!({
            "overview": last,
            "error": error,
            "history": history.view(),
            "read_only": self.read_only,
        });
        self.state.send_replace(Arc::from(state.to_string()));
        last
    }
}

/// Ctrl-C or SIGTERM, listened for from now on (so one that comes while starting up is not
/// lost or fatal).
fn stop_signal() -> natskit::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let listen = |kind: SignalKind| {
        signal(kind)
            .map_err(|e| Error::new(ErrorCode::Io, format!("cannot wait for a signal: {e}")))
    };
    let (mut interrupt, mut terminate) = (
        listen(SignalKind::interrupt())?,
        listen(SignalKind::terminate())?,
    );
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
