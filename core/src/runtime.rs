//! The one tokio runtime that serves blocking hosts (C, PHP, sync Python) and async ones.
//!
//! It is built lazily on first use, never at load time. After `fork()` the child cannot use
//! the parent's runtime threads (they do not exist in the child): the child gets a fresh
//! runtime on first use, and clients created before the fork return `CLOSED` errors.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

use tokio::runtime::{Handle, Runtime};

use crate::error::{Error, Result};

static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
static ATFORK: Once = Once::new();
static RUNTIME: Mutex<Option<(u64, Arc<Runtime>)>> = Mutex::new(None);

extern "C" fn after_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Counts the forks this process descends from; a client remembers the value it was made in.
pub fn fork_generation() -> u64 {
    ATFORK.call_once(|| {
        // SAFETY: registering a handler that only bumps an atomic is async-signal-safe.
        unsafe {
            libc::pthread_atfork(None, None, Some(after_fork_in_child));
        }
    });
    FORK_GENERATION.load(Ordering::Relaxed)
}

/// Fails with `CLOSED` when `generation` belongs to a parent process.
pub fn check_generation(generation: u64) -> Result<()> {
    if generation != FORK_GENERATION.load(Ordering::Relaxed) {
        return Err(Error::closed(
            "this client was created before fork(); create a new client in the child process",
        ));
    }
    Ok(())
}

thread_local! {
    /// Each host thread keeps the runtime it last used, so hot calls skip the global lock.
    static CACHED: std::cell::RefCell<Option<(u64, Arc<Runtime>)>> = const { std::cell::RefCell::new(None) };
}

/// The shared runtime (for this process; a forked child gets its own).
pub fn runtime() -> Arc<Runtime> {
    with_runtime(|rt| rt.clone())
}

/// Runs `f` with this thread's cached runtime, without touching its reference count.
fn with_runtime<R>(f: impl FnOnce(&Arc<Runtime>) -> R) -> R {
    let generation = fork_generation();
    CACHED.with(|c| {
        if let Some((g, rt)) = &*c.borrow() {
            if *g == generation {
                return f(rt);
            }
        }
        let rt = shared_runtime(generation);
        *c.borrow_mut() = Some((generation, rt.clone()));
        f(&rt)
    })
}

fn shared_runtime(generation: u64) -> Arc<Runtime> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    match slot.as_ref() {
        Some((g, rt)) if *g == generation => rt.clone(),
        stale => {
            if let Some((_, old)) = stale {
                // The parent's worker threads are gone in the child: never drop (join) them.
                std::mem::forget(old.clone());
            }
            let rt = Arc::new(
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .thread_name("natskit-io")
                    .build()
                    .expect("natskit: cannot start the tokio runtime"),
            );
            *slot = Some((generation, rt.clone()));
            rt
        }
    }
}

/// A handle to the shared runtime, for spawning.
pub fn handle() -> Handle {
    runtime().handle().clone()
}

/// Spawns `task` on the current tokio runtime, or on the shared one outside a runtime.
pub fn spawn<F>(task: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match Handle::try_current() {
        Ok(current) => current.spawn(task),
        Err(_) => handle().spawn(task),
    }
}

/// Runs a future to completion from a host thread that is not a runtime worker.
///
/// Most calls (a publish into a buffer with room) finish on their first poll; those skip
/// parking the thread. Fails with `INVALID_ARGUMENT` when called from inside the runtime
/// (that would deadlock a worker); async hosts must `.await` instead.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    check_blocking()?;
    let mut future = std::pin::pin!(future);
    with_runtime(|rt| {
        let ready = {
            let _context = rt.enter();
            futures::FutureExt::now_or_never(future.as_mut())
        };
        match ready {
            Some(output) => Ok(output),
            None => Ok(rt.block_on(future)),
        }
    })
}

/// `INVALID_ARGUMENT` on a runtime worker, where a blocking call could deadlock it.
pub fn check_blocking() -> Result<()> {
    if Handle::try_current().is_ok() {
        return Err(Error::invalid_argument(
            "a blocking natskit call was made from inside an async runtime; await the async API instead",
        ));
    }
    Ok(())
}

/// Runs `f` with the shared runtime entered, so that values whose `Drop` spawns tasks
/// (async-nats subscribers) can be dropped from any thread.
pub fn enter<R>(f: impl FnOnce() -> R) -> R {
    if Handle::try_current().is_ok() {
        return f();
    }
    with_runtime(|rt| {
        let _guard = rt.enter();
        f()
    })
}
