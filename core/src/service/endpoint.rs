//! An endpoint: the requests of one subject, read with a timeout or as a `Stream`.
//!
//! A small task moves requests from async-nats' endpoint into a bounded buffer, so the
//! service can stop every endpoint at once, whether or not its reader is waiting: the task
//! unsubscribes, reports back (by dropping its `stopping` receiver), then hands out what had
//! arrived and ends.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, watch};

use super::request::Request;
use super::wire::{EndpointInfo, EndpointStats};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::runtime;

/// Requests buffered per endpoint before the task waits for the reader.
const BUFFER: usize = 1024;

/// The requests of one endpoint. Dropping it leaves the queue group.
#[derive(Debug)]
pub struct Endpoint {
    requests: mpsc::Receiver<Request>,
    name: String,
    subject: String,
}

impl Endpoint {
    pub(crate) fn start(
        inner: async_nats::service::endpoint::Endpoint,
        client: Client,
        name: String,
        subject: String,
        stopping: watch::Receiver<bool>,
    ) -> Endpoint {
        let (sender, requests) = mpsc::channel(BUFFER);
        let runtime = tokio::runtime::Handle::try_current().unwrap_or_else(|_| runtime::handle());
        runtime.spawn(forward(inner, client, sender, stopping));
        Endpoint {
            requests,
            name,
            subject,
        }
    }

    /// The endpoint name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full subject it listens on.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Waits for the next request; `Ok(None)` when `timeout` passes first (`None` waits
    /// forever), `CLOSED` once the service stopped (or the connection closed) and every
    /// request that had arrived was handed out.
    pub async fn next_timeout(&mut self, timeout: Option<Duration>) -> Result<Option<Request>> {
        let received = match timeout {
            Some(t) => match tokio::time::timeout(t, self.requests.recv()).await {
                Ok(r) => r,
                Err(_) => return Ok(None),
            },
            None => self.requests.recv().await,
        };
        received.map(Some).ok_or_else(|| self.ended())
    }

    /// A request that has already arrived, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Request>> {
        match self.requests.try_recv() {
            Ok(r) => Ok(Some(r)),
            Err(mpsc::error::TryRecvError::Empty) => Ok(None),
            Err(mpsc::error::TryRecvError::Disconnected) => Err(self.ended()),
        }
    }

    fn ended(&self) -> Error {
        Error::closed(format!(
            "the endpoint {} ({}) has stopped",
            self.name, self.subject
        ))
    }
}

impl Stream for Endpoint {
    type Item = Request;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Request>> {
        self.requests.poll_recv(cx)
    }
}

/// Moves requests to the reader until the service stops, the reader goes or the
/// subscription ends; on stop it unsubscribes first, then hands out what had arrived.
async fn forward(
    mut inner: async_nats::service::endpoint::Endpoint,
    client: Client,
    sender: mpsc::Sender<Request>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        let permit = tokio::select! {
            biased;
            _ = stopped(&mut stopping) => break,
            permit = sender.reserve() => match permit {
                Ok(permit) => permit,
                Err(_) => return leave(&mut inner).await,
            },
        };
        let request = tokio::select! {
            biased;
            _ = stopped(&mut stopping) => break,
            _ = sender.closed() => return leave(&mut inner).await,
            request = inner.next() => request,
        };
        match request {
            Some(r) => permit.send(Request::new(r, client.clone())),
            None => return,
        }
    }
    leave(&mut inner).await;
    drop(stopping);
    while let Some(r) = inner.next().await {
        if sender.send(Request::new(r, client.clone())).await.is_err() {
            return;
        }
    }
}

/// Returns once the service stops (or is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await.map(drop);
}

async fn leave(inner: &mut async_nats::service::endpoint::Endpoint) {
    // Fails only when the connection is gone, which unsubscribes as well.
    let _ = inner.stop().await;
}

/// An endpoint's STATS entry from its info and async-nats' counters.
pub(crate) fn stats(
    info: EndpointInfo,
    counted: Option<async_nats::service::endpoint::Stats>,
) -> EndpointStats {
    let counted = counted.unwrap_or_default();
    let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    EndpointStats {
        name: info.name,
        subject: info.subject,
        queue_group: info.queue_group,
        num_requests: counted.requests as u64,
        num_errors: counted.errors as u64,
        processing_time: nanos(counted.processing_time),
        average_processing_time: nanos(counted.average_processing_time),
        last_error: counted
            .last_error
            .map(|e| format!("{}:{}", e.code, e.status))
            .unwrap_or_default(),
        data: counted.data,
    }
}
