//! One module per command group.

pub mod bench;
pub mod consumer;
pub mod health;
pub mod jetstream;
pub mod kv;
pub mod messaging;
pub mod micro;
pub mod object;
pub mod queue;
pub mod server;
pub mod stream;
pub mod work;
