//! A received message: subject, reply, data, headers, JSON/text decoding and `respond()`.

use std::collections::HashMap;

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::Env;

use crate::error::Outcome;
use crate::headers::{self, JsHeaders};
use crate::payload;
use crate::runtime::{self, Now};

/// Options of `respond()`.
#[napi(object)]
pub struct RespondOptions {
    /// Headers to send with the reply.
    #[napi(ts_type = "Record<string, string | string[]>")]
    pub headers: Option<JsHeaders>,
}

/// A message received from a subscription or as a reply.
#[napi]
pub struct Message {
    inner: natskit::Message,
}

impl From<natskit::Message> for Message {
    fn from(inner: natskit::Message) -> Self {
        Message { inner }
    }
}

#[napi]
impl Message {
    /// The subject it was published to.
    #[napi(catch_unwind, getter)]
    pub fn subject(&self) -> napi::Result<String> {
        crate::error::guard(|| Ok(self.inner.subject().to_string()))
    }

    /// The reply subject, when the sender expects an answer.
    #[napi(catch_unwind, getter)]
    pub fn reply(&self) -> napi::Result<Option<String>> {
        crate::error::guard(|| Ok(self.inner.reply().map(String::from)))
    }

    /// The payload (a copy).
    #[napi(catch_unwind, getter)]
    pub fn data(&self) -> napi::Result<Buffer> {
        crate::error::guard(|| Ok(Buffer::from(self.inner.data())))
    }

    /// Every header with all its values, or `undefined` when there are none.
    #[napi(catch_unwind, getter)]
    pub fn headers(&self) -> napi::Result<Option<HashMap<String, Vec<String>>>> {
        crate::error::guard(|| {
            Ok({
                self.inner
                    .has_headers()
                    .then(|| headers::to_js(&self.inner.headers()))
            })
        })
    }

    /// The first value of a header, ignoring the name's case.
    #[napi(catch_unwind)]
    pub fn header(&self, name: String) -> napi::Result<Option<String>> {
        crate::error::guard(|| Ok(self.inner.header(&name).map(String::from)))
    }

    /// The payload as UTF-8 text (invalid sequences become U+FFFD).
    #[napi(catch_unwind)]
    pub fn string(&self) -> napi::Result<String> {
        crate::error::guard(|| Ok(String::from_utf8_lossy(self.inner.data()).into_owned()))
    }

    /// The payload decoded as JSON; `SERIALIZATION` when it is not JSON.
    #[napi(catch_unwind, ts_return_type = "any")]
    pub fn json(&self) -> Outcome<serde_json::Value> {
        crate::error::guard(|| self.inner.json().into())
    }

    /// Publishes `data` to the reply subject; `INVALID_ARGUMENT` when there is none.
    #[napi(
        catch_unwind,
        ts_args_type = "data?: Payload, options?: RespondOptions",
        ts_return_type = "Promise<void>"
    )]
    pub fn respond<'env>(
        &self,
        env: &'env Env,
        data: Unknown,
        options: Option<RespondOptions>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| respond(env, &self.inner, data, options))
    }
}

fn respond<'env>(
    env: &'env Env,
    message: &natskit::Message,
    data: Unknown,
    options: Option<RespondOptions>,
) -> napi::Result<Now<'env, Outcome<()>>> {
    let payload = payload::to_bytes(env, data);
    let headers = options.and_then(|o| o.headers).map(headers::from_js);
    let message = message.clone();
    runtime::now_or_later(env, async move {
        let result = match payload {
            Ok(payload) => message.respond_with(payload, headers.as_ref()).await,
            Err(e) => Err(e),
        };
        Outcome(result)
    })
}

/// Messages delivered to a subscription callback in one call, held natively: index.js hands
/// the callback light views of them (each is a `Message` to its users) that read subject,
/// reply and data straight from here and make a native `Message` only for the rest.
#[napi]
pub struct MessageBatch {
    pub(crate) messages: Vec<natskit::Message>,
}

impl MessageBatch {
    fn at(&self, index: u32) -> napi::Result<&natskit::Message> {
        self.messages
            .get(index as usize)
            .ok_or_else(|| napi::Error::from_reason(format!("no message {index} in the batch")))
    }
}

#[napi]
impl MessageBatch {
    /// How many messages the batch holds.
    #[napi(catch_unwind, getter)]
    pub fn length(&self) -> napi::Result<u32> {
        crate::error::guard(|| Ok(self.messages.len() as u32))
    }

    /// The subject of message `index`.
    #[napi(catch_unwind)]
    pub fn subject(&self, index: u32) -> napi::Result<String> {
        crate::error::guard(|| Ok(self.at(index)?.subject().to_string()))
    }

    /// The reply subject of message `index`, if any.
    #[napi(catch_unwind)]
    pub fn reply(&self, index: u32) -> napi::Result<Option<String>> {
        crate::error::guard(|| Ok(self.at(index)?.reply().map(String::from)))
    }

    /// The payload of message `index` (a copy).
    #[napi(catch_unwind)]
    pub fn data(&self, index: u32) -> napi::Result<Buffer> {
        crate::error::guard(|| Ok(Buffer::from(self.at(index)?.data())))
    }

    /// Message `index` as a `Message` of its own.
    #[napi(catch_unwind)]
    pub fn message(&self, index: u32) -> napi::Result<Message> {
        crate::error::guard(|| Ok(Message::from(self.at(index)?.clone())))
    }

    /// Answers message `index` (as `Message.respond()`).
    #[napi(
        catch_unwind,
        ts_args_type = "index: number, data?: Payload, options?: RespondOptions",
        ts_return_type = "Promise<void>"
    )]
    pub fn respond<'env>(
        &self,
        env: &'env Env,
        index: u32,
        data: Unknown,
        options: Option<RespondOptions>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| respond(env, self.at(index)?, data, options))
    }
}
