//! The natskit C ABI. Every export is `natskit_<type>_<verb>`, returns a [`natskit_status`]
//! (0 = OK, otherwise the stable `natskit::ErrorCode` number) and writes its results through
//! trailing out-params only on success. Handles are opaque and released with their `_free`
//! (NULL is accepted). `natskit_last_error()` explains this thread's last failure.
//!
//! Every call blocks the calling thread on the shared runtime; nothing ever calls back into
//! C, so hosts such as PHP that must not be entered from foreign threads are safe.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

pub mod client;
pub mod cluster;
pub mod error;
mod ffi;
pub mod health;
pub mod jetstream;
pub mod manager;
pub mod message;
mod panic;
pub mod pending;
pub mod queue;
pub mod server;
pub mod service;
mod status;
pub mod subscription;
pub mod timeout;
pub mod version;

pub use client::NATSKIT_BATCH_MAX;
pub use error::natskit_status;
pub use timeout::{NATSKIT_FOREVER, NATSKIT_NO_WAIT, NATSKIT_TIMEOUT_DEFAULT};
