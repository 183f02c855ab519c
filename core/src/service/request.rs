//! A request to an endpoint, answered once: with data, JSON or an error.

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use serde::Serialize;

use crate::client::{Client, PublishOptions};
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::message::Message;

/// Header carrying an error reply's description.
pub const ERROR_HEADER: &str = "Nats-Service-Error";
/// Header carrying an error reply's code.
pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";

/// One request; the endpoint's stats count it when it is answered.
#[derive(Debug)]
pub struct Request {
    inner: async_nats::service::Request,
    message: Message,
    answered: AtomicBool,
}

impl Request {
    pub(crate) fn new(inner: async_nats::service::Request, client: Client) -> Request {
        let message = Message::new(inner.message.clone(), client);
        Request {
            inner,
            message,
            answered: AtomicBool::new(false),
        }
    }

    /// The request message (subject, payload, headers, reply subject).
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The subject it was sent to.
    pub fn subject(&self) -> &str {
        self.message.subject()
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        self.message.data()
    }

    /// Answers with `data`.
    pub async fn respond(&self, data: impl Into<Bytes>) -> Result<()> {
        self.respond_with(data.into(), None).await
    }

    /// Answers with `data` and headers.
    pub async fn respond_with(&self, data: Bytes, headers: Option<&Headers>) -> Result<()> {
        self.answer(Ok(data), headers).await
    }

    /// Answers with `value` as JSON.
    pub async fn respond_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        self.respond(serde_json::to_vec(value)?).await
    }

    /// Answers with an error: `description` and `code` in the `Nats-Service-Error` and
    /// `Nats-Service-Error-Code` headers, an empty payload; the endpoint counts an error
    /// and keeps it as its last. The description must be one line of text.
    pub async fn respond_error(&self, code: u32, description: &str) -> Result<()> {
        if description.is_empty() || description.contains(['\r', '\n']) {
            return Err(Error::invalid_argument(format!(
                "error description {description:?} must be one non-empty line"
            )));
        }
        let error = async_nats::service::error::Error {
            status: description.to_string(),
            code: code as usize,
        };
        let mut headers = Headers::new();
        headers.insert(ERROR_HEADER, description);
        headers.insert(ERROR_CODE_HEADER, code.to_string());
        self.check(0, Some(&headers))?;
        self.answer(Err(error), None).await
    }

    /// Checks the reply as a publish would (`PAYLOAD_TOO_LARGE`, bad headers, closed).
    fn check(&self, len: usize, headers: Option<&Headers>) -> Result<&str> {
        let reply = self.message.reply().ok_or_else(|| {
            Error::invalid_argument(format!(
                "the request on {} has no reply subject; nobody waits for an answer",
                self.subject()
            ))
        })?;
        let opts = PublishOptions {
            headers,
            reply: None,
        };
        self.message.client().check_publish(reply, len, &opts)?;
        Ok(reply)
    }

    async fn answer(
        &self,
        response: std::result::Result<Bytes, async_nats::service::error::Error>,
        headers: Option<&Headers>,
    ) -> Result<()> {
        if let Ok(data) = &response {
            self.check(data.len(), headers)?;
        }
        if self.answered.swap(true, Ordering::SeqCst) {
            return Err(Error::invalid_argument(format!(
                "the request on {} was already answered",
                self.subject()
            )));
        }
        let headers = match headers {
            Some(h) => h.to_header_map()?,
            None => async_nats::HeaderMap::new(),
        };
        self.inner
            .respond_with_headers(response, headers)
            .await
            .map_err(|e| self.message.client().send_error(e))
    }
}
