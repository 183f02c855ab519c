//! napi's async backend: every Promise-returning call of the addon runs on natskit's shared
//! tokio runtime (`natskit::runtime`), so the addon starts no runtime of its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use futures::FutureExt;
use napi::bindgen_prelude::{
    register_async_runtime, AsyncRuntime, AsyncRuntimeGuard, AsyncRuntimeRejection,
    AsyncRuntimeTask, JsValue, PromiseRaw, ToNapiValue,
};
use napi::{sys, Env};
use tokio::runtime::{EnterGuard, Handle};

static HANDLE: OnceLock<Handle> = OnceLock::new();

/// The core runtime's handle (Node processes do not fork, so it never goes stale).
pub fn handle() -> &'static Handle {
    HANDLE.get_or_init(natskit::runtime::handle)
}

/// A call's result when it was ready at once, or the Promise of it. index.js turns a ready
/// result into a resolved Promise (a thrown error into a rejected one), so callers always
/// get a Promise but most calls cost no thread hop.
pub enum Now<'env, T> {
    /// Finished on the JavaScript thread.
    Ready(T),
    /// Still running on the core runtime.
    Later(PromiseRaw<'env, T>),
}

impl<T: ToNapiValue> ToNapiValue for Now<'_, T> {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        match val {
            Now::Ready(value) => T::to_napi_value(env, value),
            Now::Later(promise) => Ok(promise.raw()),
        }
    }
}

/// Polls `future` once on the JavaScript thread, inside the core runtime: calls that only
/// hand a message to the connection usually finish there. Otherwise the runtime drives it
/// on (from where it stopped) and the caller gets its Promise.
pub fn now_or_later<'env, T, F>(env: &'env Env, future: F) -> napi::Result<Now<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut future = Box::pin(future);
    let ready = {
        let _entered = handle().enter();
        future.as_mut().now_or_never()
    };
    match ready {
        Some(value) => Ok(Now::Ready(value)),
        None => env
            .spawn_future(async move { Ok(future.await) })
            .map(Now::Later),
    }
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
