//! A received message: subject, reply, data, headers, JSON/text decoding and `respond()`.

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::Env;

use crate::error::Outcome;
use crate::headers::{self, JsHeaders};
use crate::payload;
use crate::runtime::{self, Now};

/// What every received message reads (`Message`, and `JsMessage` of a pull), and the batch
/// that hands several of them to JavaScript in one native call: `$core` is the core message.
macro_rules! received {
    ($class:ident, $batch:ident, $core:ty) => {
        impl From<$core> for $class {
            fn from(inner: $core) -> Self {
                $class { inner }
            }
        }

        #[napi]
        impl $class {
            /// The subject it was published to.
            #[napi(catch_unwind, getter)]
            pub fn subject(&self) -> String {
                self.inner.subject().to_string()
            }

            /// The reply subject (of a pulled JetStream message: its ack subject), if any.
            #[napi(catch_unwind, getter)]
            pub fn reply(&self) -> Option<String> {
                self.inner.reply().map(String::from)
            }

            /// The payload (a copy).
            #[napi(catch_unwind, getter)]
            pub fn data(&self) -> Buffer {
                Buffer::from(self.inner.data())
            }

            /// Every header with all its values, or `undefined` when there are none.
            #[napi(catch_unwind, getter)]
            pub fn headers(&self) -> Option<std::collections::HashMap<String, Vec<String>>> {
                let all = self.inner.headers();
                (!all.is_empty()).then(|| crate::headers::to_js(&all))
            }

            /// The first value of a header, ignoring the name's case.
            #[napi(catch_unwind)]
            pub fn header(&self, name: String) -> Option<String> {
                self.inner.header(&name).map(String::from)
            }

            /// The sender's W3C trace context (`trace_id`, `span_id`, `flags`, `sampled`,
            /// `tracestate`), or `null` when it sent none or a malformed one.
            #[napi(catch_unwind, getter, ts_return_type = "TraceContext | null")]
            pub fn trace_context(&self) -> Option<serde_json::Value> {
                let context = self.inner.trace_context()?;
                serde_json::to_value(context).ok()
            }

            /// The payload as UTF-8 text (invalid sequences become U+FFFD).
            #[napi(catch_unwind)]
            pub fn string(&self) -> String {
                String::from_utf8_lossy(self.inner.data()).into_owned()
            }

            /// The payload decoded as JSON; `SERIALIZATION` when it is not JSON.
            #[napi(catch_unwind, ts_return_type = "any")]
            pub fn json(&self) -> Outcome<serde_json::Value> {
                crate::error::outcome(|| self.inner.json())
            }
        }

        impl $batch {
            fn at(&self, index: u32) -> napi::Result<&$core> {
                self.messages.get(index as usize).ok_or_else(|| {
                    napi::Error::from_reason(format!("no message {index} in the batch"))
                })
            }
        }

        #[napi]
        impl $batch {
            /// How many messages the batch holds.
            #[napi(catch_unwind, getter)]
            pub fn length(&self) -> u32 {
                self.messages.len() as u32
            }

            /// The subject of message `index`.
            #[napi(catch_unwind)]
            pub fn subject(&self, index: u32) -> napi::Result<String> {
                crate::error::guard(|| Ok(self.at(index)?.subject().to_string()))
            }

            /// The payload of message `index` (a copy).
            #[napi(catch_unwind)]
            pub fn data(&self, index: u32) -> napi::Result<Buffer> {
                crate::error::guard(|| Ok(Buffer::from(self.at(index)?.data())))
            }

            /// Message `index` as a message object of its own.
            #[napi(catch_unwind)]
            pub fn message(&self, index: u32) -> napi::Result<$class> {
                crate::error::guard(|| Ok($class::from(self.at(index)?.clone())))
            }
        }
    };
}
pub(crate) use received;

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

/// Messages delivered to a subscription callback in one call, held natively: index.js hands
/// the callback light views of them (each is a `Message` to its users) that read subject,
/// reply and data straight from here and make a native `Message` only for the rest.
#[napi]
pub struct MessageBatch {
    pub(crate) messages: Vec<natskit::Message>,
}

received!(Message, MessageBatch, natskit::Message);

#[napi]
impl Message {
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
        message.respond_with(payload?, headers.as_ref()).await
    })
}

#[napi]
impl MessageBatch {
    /// The reply subject of message `index`, if any.
    #[napi(catch_unwind)]
    pub fn reply(&self, index: u32) -> napi::Result<Option<String>> {
        crate::error::guard(|| Ok(self.at(index)?.reply().map(String::from)))
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
