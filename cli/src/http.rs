//! The HTTP endpoints of a running command: `/metrics` (Prometheus text of the connection),
//! `/healthz` (the process answers) and `/readyz` (connected and JetStream answers, by core's
//! health checks). [`router`] is the base other commands add their routes to.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use natskit::health::{self, HealthOptions, Status};
use natskit::{Client, Error, ErrorCode};

/// Longest `/readyz` waits for its checks before answering not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// `/metrics`, `/healthz` and `/readyz` for `client`.
pub fn router(client: Client) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(client)
}

/// Serves `router` on `addr` (`host:port`) in the background; fails at once when the address
/// cannot be listened on.
pub async fn serve(addr: &str, router: Router) -> natskit::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::new(ErrorCode::Io, format!("cannot listen on {addr}: {e}")))?;
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("natskit: the HTTP server stopped: {e}");
        }
    }))
}

async fn metrics(State(client): State<Client>) -> Response {
    match client.metrics().await {
        Ok(text) => (
            [(header::CONTENT_TYPE, natskit::metrics::CONTENT_TYPE)],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

async fn ready(State(client): State<Client>) -> (StatusCode, String) {
    let state = client.state_name();
    if state != "connected" {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {state}\n"),
        );
    }
    let options = HealthOptions {
        jetstream: true,
        ..Default::default()
    };
    match tokio::time::timeout(READY_TIMEOUT, health::check(&client, &options)).await {
        Ok(Ok(report)) if report.status == Status::Ok => (StatusCode::OK, "ready\n".into()),
        Ok(Ok(report)) => (StatusCode::SERVICE_UNAVAILABLE, report.summary() + "\n"),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no answer within {} s\n", READY_TIMEOUT.as_secs()),
        ),
    }
}
