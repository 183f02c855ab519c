//! natskit for Node.js: a thin napi-rs layer over the natskit core.
//!
//! Each module mirrors `core/src/<concept>.rs` and only translates: JavaScript values to core
//! types, core errors to `Error`s with a `code` (see [`error`]), futures to Promises (run on
//! natskit's shared runtime, see [`runtime`]) and subscription callbacks to thread-safe calls.

#[macro_use]
extern crate napi_derive;

pub mod client;
pub mod cluster;
pub mod error;
mod error_code;
pub mod headers;
pub mod jetstream;
pub mod manager;
pub mod message;
pub mod payload;
pub mod queue;
pub mod runtime;
pub mod server;
pub mod service;
pub mod subscription;

/// The natskit version of this addon.
#[napi(catch_unwind)]
pub fn version() -> String {
    natskit::VERSION.to_string()
}
