//! One module per command group.

pub mod consumer;
pub mod jetstream;
pub mod messaging;
pub mod micro;
pub mod queue;
pub mod server;
pub mod stream;
pub mod work;
