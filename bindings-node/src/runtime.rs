//! napi's async backend: every Promise-returning call of the addon runs on natskit's shared
//! tokio runtime (`natskit::runtime`), so the addon starts no runtime of its own.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context as TaskContext, Poll, Wake, Waker};

use futures::FutureExt;
use napi::bindgen_prelude::{
    register_async_runtime, AsyncRuntime, AsyncRuntimeGuard, AsyncRuntimeRejection,
    AsyncRuntimeTask, JsValue, PromiseRaw, ToNapiValue,
};
use napi::{sys, Env};
use tokio::runtime::{EnterGuard, Handle};

use crate::error::Outcome;

static HANDLE: OnceLock<Handle> = OnceLock::new();

/// The core runtime's handle (Node processes do not fork, so it never goes stale).
pub fn handle() -> &'static Handle {
    HANDLE.get_or_init(natskit::runtime::handle)
}

/// A call's result when it was ready at once, or the Promise of it. Either way JavaScript gets
/// a Promise: a ready result becomes an already settled one (an error rejects it, nothing
/// throws), so most calls cost no thread hop.
pub enum Now<'env, T> {
    /// Finished on the JavaScript thread.
    Ready(T),
    /// Still running on the core runtime.
    Later(PromiseRaw<'env, T>),
}

impl<T: ToNapiValue> ToNapiValue for Now<'_, T> {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        match val {
            Now::Ready(value) => settled(env, T::to_napi_value(env, value)),
            Now::Later(promise) => Ok(promise.raw()),
        }
    }
}

/// A Promise already resolved with `converted`, or rejected with its error.
fn settled(
    env: sys::napi_env,
    converted: napi::Result<sys::napi_value>,
) -> napi::Result<sys::napi_value> {
    let mut deferred = std::ptr::null_mut();
    let mut promise = std::ptr::null_mut();
    // SAFETY: a plain napi call on the JavaScript thread with out-pointers to locals.
    check(unsafe { sys::napi_create_promise(env, &mut deferred, &mut promise) })?;
    resolve(env, deferred, converted);
    Ok(promise)
}

/// Resolves or rejects `deferred` with `converted`.
fn resolve(
    env: sys::napi_env,
    deferred: sys::napi_deferred,
    converted: napi::Result<sys::napi_value>,
) {
    // SAFETY: `deferred` came from `napi_create_promise` on this thread and is settled once.
    unsafe {
        match converted {
            Ok(value) => sys::napi_resolve_deferred(env, deferred, value),
            Err(err) => {
                let error = napi::JsError::from(err).into_value(env);
                sys::napi_reject_deferred(env, deferred, error)
            }
        };
    }
}

/// The value standing for a synchronous export that panicked (see `error::guard`).
pub trait FromPanic {
    /// `err` is the `PANIC` error of the caught panic.
    fn from_panic(err: natskit::Error) -> Self;
}

/// A future on its way to a Promise, boxed once.
type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A core future as the `Outcome` an export returns, with a panic turned into `PANIC`
/// instead of unwinding: every `async fn` export and every Promise of [`now_or_later`] and
/// [`now_or_on_wake`] runs through this, so a panic rejects with `PANIC` rather than napi's
/// `GenericFailure`. Costs nothing unless it panics.
pub async fn unwinding<T, F>(future: F) -> Outcome<T>
where
    F: Future<Output = natskit::Result<T>>,
{
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(result) => Outcome(result),
        Err(payload) => Outcome(Err(natskit::error::panic_error(payload.as_ref()))),
    }
}

/// Polls `future` once on the JavaScript thread, inside the core runtime: calls that only
/// hand a message to the connection usually finish there. Otherwise the runtime drives it
/// on (from where it stopped) and the caller gets its Promise.
pub fn now_or_later<'env, T, F>(env: &'env Env, future: F) -> napi::Result<Now<'env, Outcome<T>>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = natskit::Result<T>> + Send + 'static,
{
    now_or(env, Box::pin(unwinding(future)), later)
}

/// Like [`now_or_later`], but a future that must wait is polled on the JavaScript thread
/// whenever it is woken rather than on the runtime: for calls that wait for a single event.
pub fn now_or_on_wake<'env, T, F>(env: &'env Env, future: F) -> napi::Result<Now<'env, Outcome<T>>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = natskit::Result<T>> + Send + 'static,
{
    now_or(env, Box::pin(unwinding(future)), on_wake)
}

/// Polls `future` once on this thread with the core runtime entered; if it must wait,
/// `wait` makes the Promise that settles once it is done.
fn now_or<'env, T>(
    env: &'env Env,
    mut future: Boxed<T>,
    wait: fn(&'env Env, Boxed<T>) -> napi::Result<PromiseRaw<'env, T>>,
) -> napi::Result<Now<'env, T>> {
    let ready = {
        let _entered = handle().enter();
        future.as_mut().now_or_never()
    };
    match ready {
        Some(value) => Ok(Now::Ready(value)),
        None => wait(env, future).map(Now::Later),
    }
}

/// A Promise of this thread's settler, counted pending.
fn pending_promise(env: &Env) -> napi::Result<(Settler, sys::napi_deferred, sys::napi_value)> {
    let settler = Settler::of(env)?;
    let mut deferred = std::ptr::null_mut();
    let mut promise = std::ptr::null_mut();
    // SAFETY: plain napi calls on the JavaScript thread with out-pointers to locals.
    check(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
    settler.pending(env, 1)?;
    Ok((settler, deferred, promise))
}

/// A Promise settled with what `future` resolves to, run on the core runtime. Every Promise
/// of this thread is settled through one shared thread-safe function (napi's own
/// `spawn_future` makes one per Promise), referenced only while Promises are pending.
fn later<'env, T>(env: &'env Env, future: Boxed<T>) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
{
    let (settler, deferred, promise) = pending_promise(env)?;
    let mut job = Unsettled(Some(Settle {
        deferred,
        settler,
        value: None,
    }));
    handle().spawn(async move {
        let value = future.await;
        if let Some(mut settle) = job.0.take() {
            settle.value = Some(converter(value));
            settle.send();
        }
    });
    Ok(PromiseRaw::new(env.raw(), promise))
}

/// Converts `value` on the JavaScript thread, later.
fn converter<T: ToNapiValue + Send + 'static>(value: T) -> Convert {
    Box::new(move |env| {
        // SAFETY: called on the JavaScript thread with its live env.
        unsafe { T::to_napi_value(env, value) }
    })
}

/// Converts a finished value on the JavaScript thread.
type Convert = Box<dyn FnOnce(sys::napi_env) -> napi::Result<sys::napi_value> + Send>;

/// One Promise to settle.
struct Settle {
    deferred: sys::napi_deferred,
    settler: Settler,
    value: Option<Convert>,
}

// SAFETY: the deferred handle is only used on the JavaScript thread (in `settle`); other
// threads just carry it there.
unsafe impl Send for Settle {}

impl Settle {
    fn send(self) {
        self.settler.call(Job::Settle(self));
    }
}

/// A job whose future has not finished; dropped unfinished (a panic), it rejects its Promise.
struct Unsettled(Option<Settle>);

impl Drop for Unsettled {
    fn drop(&mut self) {
        if let Some(settle) = self.0.take() {
            settle.send();
        }
    }
}

/// The thread-safe function settling this JavaScript thread's Promises.
#[derive(Clone, Copy)]
struct Settler(sys::napi_threadsafe_function);

thread_local! {
    /// This JavaScript thread's settler and its number of pending Promises.
    static SETTLER: std::cell::Cell<Option<(Settler, usize)>> = const { std::cell::Cell::new(None) };
}

impl Settler {
    fn of(env: &Env) -> napi::Result<Settler> {
        if let Some((settler, _)) = SETTLER.get() {
            return Ok(settler);
        }
        let mut name = std::ptr::null_mut();
        let mut tsfn = std::ptr::null_mut();
        // SAFETY: napi calls on the JavaScript thread; `settle` is the only callback.
        unsafe {
            check(sys::napi_create_string_utf8(
                env.raw(),
                c"natskit".as_ptr(),
                7,
                &mut name,
            ))?;
            check(sys::napi_create_threadsafe_function(
                env.raw(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                name,
                0,
                1,
                std::ptr::null_mut(),
                None,
                std::ptr::null_mut(),
                Some(settle),
                &mut tsfn,
            ))?;
            check(sys::napi_unref_threadsafe_function(env.raw(), tsfn))?;
        }
        let settler = Settler(tsfn);
        SETTLER.set(Some((settler, 0)));
        Ok(settler)
    }

    /// Counts Promises pending (+1) or settled (-1); the process stays alive while any is
    /// pending, as with a socket.
    fn pending(self, env: &Env, delta: isize) -> napi::Result<()> {
        let Some((settler, count)) = SETTLER.get() else {
            return Ok(());
        };
        let now = count.saturating_add_signed(delta);
        SETTLER.set(Some((settler, now)));
        // SAFETY: (un)referencing happens on the JavaScript thread that made the function.
        match (count, now) {
            (0, 1) => check(unsafe { sys::napi_ref_threadsafe_function(env.raw(), self.0) }),
            (1, 0) => check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), self.0) }),
            _ => Ok(()),
        }
    }

    /// Hands `job` to the JavaScript thread.
    fn call(self, job: Job) {
        let data = Box::into_raw(Box::new(job));
        // SAFETY: the thread-safe function lives as long as its env (never released); an
        // unbounded queue does not block. If the env is gone the job is dropped by napi.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                self.0,
                data.cast(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: napi did not take the job; it is still ours.
            drop(unsafe { Box::from_raw(data) });
        }
    }
}

/// Runs on the JavaScript thread for each finished job: resolves or rejects its Promise.
unsafe extern "C" fn settle(
    env: sys::napi_env,
    _callback: sys::napi_value,
    _context: *mut std::ffi::c_void,
    data: *mut std::ffi::c_void,
) {
    // SAFETY: `data` is the `Job` boxed by `Settle::send` or `JsTask::wake_by_ref`.
    let job = unsafe { Box::from_raw(data.cast::<Job>()) };
    if env.is_null() {
        return;
    }
    match *job {
        Job::Settle(Settle {
            deferred,
            settler,
            value,
        }) => {
            let converted = match value {
                Some(convert) => convert(env),
                None => Err(napi::Error::from_reason("the operation was dropped")),
            };
            settle_deferred(env, deferred, settler, converted);
        }
        Job::Poll(task) => task.poll(env),
    }
}

/// Resolves or rejects a Promise of this thread and counts it settled.
fn settle_deferred(
    env: sys::napi_env,
    deferred: sys::napi_deferred,
    settler: Settler,
    converted: napi::Result<sys::napi_value>,
) {
    resolve(env, deferred, converted);
    let _ = settler.pending(&Env::from_raw(env), -1);
}

/// What the settler's thread-safe function runs on the JavaScript thread.
enum Job {
    /// A future finished on the runtime: settle its Promise.
    Settle(Settle),
    /// A future polled on the JavaScript thread was woken: poll it again.
    Poll(Arc<JsTask>),
}

/// A future polled on the JavaScript thread whenever it is woken, for calls that wait for
/// one event (a reply): the event's thread hands it straight to JavaScript, without a
/// runtime task in between.
struct JsTask {
    future: Mutex<Option<Boxed<Convert>>>,
    deferred: sys::napi_deferred,
    settler: Settler,
    scheduled: AtomicBool,
}

// SAFETY: `deferred` is only used on the JavaScript thread (in `poll`); the future is Send
// and behind a mutex.
unsafe impl Send for JsTask {}
// SAFETY: as above.
unsafe impl Sync for JsTask {}

impl Wake for JsTask {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        self.settler.call(Job::Poll(self.clone()));
    }
}

impl JsTask {
    /// Polls the future (on the JavaScript thread) and settles the Promise once it is done.
    fn poll(self: Arc<Self>, env: sys::napi_env) {
        self.scheduled.store(false, Ordering::Release);
        let mut slot = self.future.lock().unwrap_or_else(|e| e.into_inner());
        let Some(future) = slot.as_mut() else {
            return;
        };
        let waker = Waker::from(self.clone());
        let polled = {
            let _entered = handle().enter();
            future.as_mut().poll(&mut TaskContext::from_waker(&waker))
        };
        if let Poll::Ready(convert) = polled {
            *slot = None;
            drop(slot);
            settle_deferred(env, self.deferred, self.settler, convert(env));
        }
    }
}

/// A Promise settled with what `future` resolves to, polled on the JavaScript thread whenever
/// it is woken: the event's thread hands it straight to JavaScript.
fn on_wake<'env, T>(env: &'env Env, future: Boxed<T>) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
{
    let (settler, deferred, promise) = pending_promise(env)?;
    let task = Arc::new(JsTask {
        future: Mutex::new(Some(Box::pin(async move { converter(future.await) }))),
        deferred,
        settler,
        scheduled: AtomicBool::new(false),
    });
    task.poll(env.raw());
    Ok(PromiseRaw::new(env.raw(), promise))
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_status(napi::Status::from(status)))
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
