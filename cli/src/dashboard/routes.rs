//! The dashboard's HTTP surface: the page and its assets, the state as JSON and as
//! server-sent events, and the retry/forget actions on failed jobs.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use natskit::queue::FailedJobs;
use natskit::ErrorCode;
use serde_json::{json, Value};

use super::access::Refusal;
use super::Board;

const PAGE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/dashboard.js");
const STYLE: &str = include_str!("assets/dashboard.css");

/// Every route, behind the access rules.
pub fn router(board: Arc<Board>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/assets/dashboard.js", get(script))
        .route("/assets/dashboard.css", get(style))
        .route("/api/state", get(state))
        .route("/api/events", get(events))
        .route("/api/failed/:id/retry", post(retry))
        .route("/api/failed/:id/forget", post(forget))
        .layer(middleware::from_fn_with_state(board.clone(), admit))
        .with_state(board)
}

/// Refuses requests the access rules turn down; marks every answer as not to be cached,
/// framed or sniffed.
async fn admit(State(board): State<Arc<Board>>, request: Request, next: Next) -> Response {
    let mut response = match board.access.admit(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refused(refusal),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn refused(refusal: Refusal) -> Response {
    let mut response = error(refusal.status, "AUTHORIZATION", refusal.message);
    if refusal.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"natskit dashboard\", charset=\"UTF-8\""),
        );
    }
    response
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "error": { "code": code, "message": message } });
    (status, Json(body)).into_response()
}

async fn page(State(board): State<Arc<Board>>) -> Response {
    let html = PAGE.replace("{{csrf}}", board.access.csrf()).replace(
        "{{read_only}}",
        if board.read_only { "true" } else { "false" },
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// The latest state: `overview` (core's), `error` (of the last overview, if it failed),
/// `history` (15 minutes of points and per-queue sums), `read_only`.
async fn state(State(board): State<Arc<Board>>) -> Response {
    let text = board.state.borrow().clone();
    (
        [(header::CONTENT_TYPE, "application/json")],
        text.to_string(),
    )
        .into_response()
}

/// The state now and after every overview, as `state` events, until the dashboard stops.
async fn events(State(board): State<Arc<Board>>) -> Response {
    let updates = board.state.subscribe();
    let closing = board.closing.subscribe();
    let stream = futures::stream::unfold(
        (updates, closing, true),
        |(mut updates, mut closing, first)| async move {
            if !first {
                tokio::select! {
                    changed = updates.changed() => changed.ok()?,
                    _ = closing.wait_for(|c| *c) => return None,
                }
            }
            let data = updates.borrow_and_update().clone();
            let event = Event::default().event("state").data(&*data);
            Some((Ok::<_, Infallible>(event), (updates, closing, false)))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn retry(
    State(board): State<Arc<Board>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    act(&board, &headers, async {
        let retried = FailedJobs::of(&board.client).retry(&[id]).await?;
        Ok(json!({ "retried": retried }))
    })
    .await
}

async fn forget(
    State(board): State<Arc<Board>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    act(&board, &headers, async {
        if !FailedJobs::of(&board.client).forget(&id).await? {
            return Err(natskit::Error::new(
                ErrorCode::NotFound,
                format!("no failed job with id {id:?}"),
            ));
        }
        Ok(json!({ "id": id, "forgotten": true }))
    })
    .await
}

/// Runs an action once the rules allow it, then takes a new overview at once.
async fn act(
    board: &Board,
    headers: &HeaderMap,
    action: impl std::future::Future<Output = natskit::Result<Value>>,
) -> Response {
    if board.read_only {
        return error(
            StatusCode::FORBIDDEN,
            "READ_ONLY",
            "this dashboard is read-only (started with --read-only)",
        );
    }
    if let Err(refusal) = board.access.allow_action(headers) {
        return refused(refusal);
    }
    let done = action.await;
    board.wake.notify_one();
    match done {
        Ok(body) => Json(body).into_response(),
        Err(e) => {
            let status = match e.code() {
                ErrorCode::NotFound => StatusCode::NOT_FOUND,
                ErrorCode::InvalidArgument => StatusCode::BAD_REQUEST,
                _ => StatusCode::BAD_GATEWAY,
            };
            error(status, e.code().as_str(), e.message())
        }
    }
}
