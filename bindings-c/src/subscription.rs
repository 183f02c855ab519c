//! `natskit_subscription`: pull-style receipt on the caller's thread.

use std::sync::{Mutex, MutexGuard};

use natskit::{Error, ErrorCode, Result, Subscription};

use crate::error::natskit_status;
use crate::ffi;
use crate::message::natskit_message;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A subscription (opaque). One thread at a time may receive from it.
pub struct natskit_subscription {
    subscription: Mutex<Subscription>,
}

impl natskit_subscription {
    pub(crate) fn new_handle(subscription: Subscription) -> *mut natskit_subscription {
        ffi::into_handle(natskit_subscription {
            subscription: Mutex::new(subscription),
        })
    }

    pub(crate) fn take(&self) -> Result<MutexGuard<'_, Subscription>> {
        self.subscription.try_lock().map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "the subscription is in use by another thread; receive from one thread at a time",
            )
        })
    }
}

/// Waits up to `timeout_ms` (`NATSKIT_FOREVER`, or `NATSKIT_NO_WAIT` and `NATSKIT_TIMEOUT_DEFAULT`
/// = only what has arrived) for the next message.
/// `NATSKIT_STATUS_TIMEOUT` when none came, `NATSKIT_STATUS_CLOSED` once the subscription ended.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscription_next(
    subscription: *const natskit_subscription,
    timeout_ms: i64,
    message_out: *mut *mut natskit_message,
) -> natskit_status {
    guard(|| {
        let s = ffi::handle(subscription, "subscription")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.receive();
        let message_slot = ffi::out(message_out, "message_out")?;
        let mut sub = s.take()?;
        // A buffered message is taken without entering the runtime.
        let received = match sub.try_next()? {
            Some(m) => Some(m),
            None if timeout.is_some_and(|t| t.is_zero()) => None,
            None => ffi::block_on(sub.next_timeout(timeout))?,
        };
        let message = received.ok_or_else(|| timed_out(timeout_ms))?;
        *message_slot = natskit_message::new_handle(message);
        Ok(())
    })
}

/// Waits up to `timeout_ms` (as for `natskit_subscription_next`) for a message on any
/// of `count` subscriptions; `*index_out` says which one it came from. Messages already
/// buffered come first, in array order. `NATSKIT_STATUS_TIMEOUT` when none came,
/// `NATSKIT_STATUS_CLOSED` when one of them has ended.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscription_next_any(
    subscriptions: *const *const natskit_subscription,
    count: usize,
    timeout_ms: i64,
    index_out: *mut usize,
    message_out: *mut *mut natskit_message,
) -> natskit_status {
    guard(|| {
        let handles = ffi::slice(subscriptions, count, "subscriptions")?;
        let index_slot = ffi::out(index_out, "index_out")?;
        receive(handles, timeout_ms, index_slot, message_out)
    })
}

unsafe fn receive(
    handles: &[*const natskit_subscription],
    timeout_ms: i64,
    index_slot: &mut usize,
    message_out: *mut *mut natskit_message,
) -> Result<()> {
    let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.receive();
    let message_slot = ffi::out(message_out, "message_out")?;
    let mut guards = take_all(handles)?;
    let mut subs: Vec<&mut Subscription> = guards.iter_mut().map(|g| &mut **g).collect();
    let received = match timeout {
        Some(t) if t.is_zero() => first_ready(&mut subs)?,
        _ => ffi::block_on(natskit::next_any(&mut subs, timeout))?,
    };
    let (index, message) = received.ok_or_else(|| timed_out(timeout_ms))?;
    *index_slot = index;
    *message_slot = natskit_message::new_handle(message);
    Ok(())
}

/// Locks every subscription of `handles` for one receive (`INVALID_ARGUMENT` for a NULL one or
/// one another thread is receiving from).
pub(crate) unsafe fn take_all(
    handles: &[*const natskit_subscription],
) -> Result<Vec<MutexGuard<'_, Subscription>>> {
    handles
        .iter()
        .enumerate()
        .map(|(i, h)| {
            h.as_ref()
                .ok_or_else(|| ffi::invalid(format!("subscriptions[{i}] is NULL")))?
                .take()
        })
        .collect()
}

fn timed_out(timeout_ms: i64) -> Error {
    Error::new(
        ErrorCode::Timeout,
        format!("no message within {timeout_ms} ms"),
    )
}

/// A message that has already arrived on any of `subs`, without entering the runtime.
fn first_ready(subs: &mut [&mut Subscription]) -> Result<Option<(usize, natskit::Message)>> {
    for (i, sub) in subs.iter_mut().enumerate() {
        if let Some(m) = sub.try_next()? {
            return Ok(Some((i, m)));
        }
    }
    Ok(None)
}

/// Stops interest now; buffered messages are discarded and `next` returns `CLOSED`.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscription_unsubscribe(
    subscription: *const natskit_subscription,
) -> natskit_status {
    guard(|| {
        let s = ffi::handle(subscription, "subscription")?;
        let mut sub = s.take()?;
        ffi::block_on(sub.unsubscribe())
    })
}

/// Stops interest but keeps delivering what already arrived; `next` returns `CLOSED` after the last.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscription_drain(
    subscription: *const natskit_subscription,
) -> natskit_status {
    guard(|| {
        let s = ffi::handle(subscription, "subscription")?;
        let mut sub = s.take()?;
        ffi::block_on(sub.drain())
    })
}

/// Messages dropped because this subscription fell behind.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscription_dropped(
    subscription: *const natskit_subscription,
    dropped_out: *mut u64,
) -> natskit_status {
    ffi::getter!(subscription, dropped_out, |s| Ok(s.take()?.dropped()))
}

/// Unsubscribes and frees the subscription. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_subscription_free(subscription: *mut natskit_subscription) {
    guard_value((), || ffi::free_handle(subscription))
}
