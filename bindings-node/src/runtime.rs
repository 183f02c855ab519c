//! napi's async backend: every Promise-returning call of the addon runs on natskit's shared
//! tokio runtime (`natskit::runtime`), so the addon starts no runtime of its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use napi::bindgen_prelude::{
    register_async_runtime, AsyncRuntime, AsyncRuntimeGuard, AsyncRuntimeRejection,
    AsyncRuntimeTask,
};
use tokio::runtime::{EnterGuard, Handle};

static HANDLE: OnceLock<Handle> = OnceLock::new();

/// The core runtime's handle (Node processes do not fork, so it never goes stale).
pub fn handle() -> &'static Handle {
    HANDLE.get_or_init(natskit::runtime::handle)
}

/// Hands napi's futures to the core runtime.
struct CoreRuntime;

/// Keeps the core runtime entered on the calling thread.
struct Entered(#[allow(dead_code)] EnterGuard<'static>);

impl AsyncRuntimeGuard for Entered {}

// SAFETY: the core runtime is process-wide and outlives every Node environment; the addon
// image is never unloaded while the process runs, so its tasks may outlive `shutdown`.
unsafe impl AsyncRuntime for CoreRuntime {
    fn spawn(
        &self,
        task: AsyncRuntimeTask,
    ) -> std::result::Result<(), AsyncRuntimeRejection<AsyncRuntimeTask>> {
        handle().spawn(task);
        Ok(())
    }

    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) -> napi::Result<()> {
        natskit::runtime::block_on(future).map_err(|e| napi::Error::from_reason(e.to_string()))
    }

    fn enter(&self) -> napi::Result<Box<dyn AsyncRuntimeGuard + '_>> {
        Ok(Box::new(Entered(handle().enter())))
    }

    fn shutdown(&self) -> napi::Result<()> {
        Ok(())
    }
}

#[napi_derive::module_init]
fn register() {
    register_async_runtime(CoreRuntime);
}
