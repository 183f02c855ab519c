//! A request in flight whose caller serves its own subscriptions while it waits: how a
//! single-threaded host (PHP, C) can answer its own request.

use std::time::Duration;

use bytes::Bytes;

use crate::client::{Client, RequestOptions};
use crate::error::{panic_error, Error, Result};
use crate::headers::Headers;
use crate::message::Message;
use crate::runtime;
use crate::subscription::{next_any, Subscription};

/// What [`PendingRequest::wait`] returned first.
#[derive(Debug)]
pub enum Arrival {
    /// The reply to the request (the request is over).
    Reply(Message),
    /// A message for `subs[index]`; the request is still waiting.
    Message(usize, Message),
}

/// A request sent in the background; dropping it abandons the request.
#[derive(Debug)]
pub struct PendingRequest(Option<tokio::task::JoinHandle<Result<Message>>>);

impl Client {
    /// Sends a request in the background and returns at once (after the checks `request_with`
    /// makes first: open connection, subject, size); [`PendingRequest::wait`] gives the reply
    /// (or the request's `TIMEOUT`/`NO_RESPONDERS` error) and, meanwhile, messages of the
    /// caller's subscriptions.
    pub fn start_request(
        &self,
        subject: &str,
        payload: Bytes,
        headers: Option<Headers>,
        timeout: Option<Duration>,
    ) -> Result<PendingRequest> {
        self.check_open()?;
        crate::subject::validate_publish(subject)?;
        self.check_size(payload.len(), headers.as_ref())?;
        let client = self.clone();
        let subject = subject.to_string();
        Ok(PendingRequest(Some(runtime::spawn(async move {
            let opts = RequestOptions {
                headers: headers.as_ref(),
                timeout,
            };
            client.request_with(&subject, payload, &opts).await
        }))))
    }
}

impl PendingRequest {
    /// Waits for the reply or a message on any of `subs`, whichever comes first (a reply
    /// already there wins). After the reply (or the request's error) the request is over and
    /// a further call fails with `INVALID_ARGUMENT`.
    pub async fn wait(&mut self, subs: &mut [&mut Subscription]) -> Result<Arrival> {
        let task = self
            .0
            .as_mut()
            .ok_or_else(|| Error::invalid_argument("the request has already been answered"))?;
        let received = tokio::select! {
            biased;
            reply = &mut *task => Err(reply),
            message = next_any(subs, None), if !subs.is_empty() => Ok(message?),
        };
        let reply = match received {
            Ok(Some((index, message))) => return Ok(Arrival::Message(index, message)),
            // A closed subscription: only the reply is left to wait for.
            Ok(None) => (&mut *task).await,
            Err(reply) => reply,
        };
        self.0 = None;
        reply
            .map_err(|e| match e.try_into_panic() {
                Ok(payload) => panic_error(payload.as_ref()),
                Err(e) => Error::closed(format!("the request was abandoned: {e}")),
            })?
            .map(Arrival::Reply)
    }
}

impl Drop for PendingRequest {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}
