//! `natskit_pending_request`: a request whose caller serves its own subscriptions while it
//! waits, so one thread can both ask and answer (PHP's `request()` does).

use std::ffi::{c_char, c_void};

use natskit::{Arrival, PendingRequest, Subscription};

use crate::client::{natskit_client, RequestArgs};
use crate::error::natskit_status;
use crate::ffi;
use crate::message::natskit_message;
use crate::panic::{guard, guard_value};
use crate::subscription::natskit_subscription;

/// A request in flight (opaque); free it with `natskit_pending_request_free`.
pub struct natskit_pending_request {
    request: PendingRequest,
}

/// Sends a request (optional headers as JSON) and returns at once; wait for the reply with
/// `natskit_pending_request_wait`. `timeout_ms` as for `natskit_request`.
#[no_mangle]
pub unsafe extern "C" fn natskit_request_start(
    client: *const natskit_client,
    subject: *const c_char,
    headers_json: *const c_char,
    data: *const c_void,
    len: usize,
    timeout_ms: i64,
    request_out: *mut *mut natskit_pending_request,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let a = RequestArgs::read(&c.client, subject, headers_json, data, len, timeout_ms)?;
        let out = ffi::out(request_out, "request_out")?;
        let request =
            c.client
                .start_request(a.subject, a.data.to_vec().into(), a.headers, a.timeout)?;
        *out = ffi::into_handle(natskit_pending_request { request });
        Ok(())
    })
}

/// Waits for the reply or a message on any of `subscriptions` (`count` may be 0), whichever
/// comes first. On the reply, `*index_out` is `count` and the request is over; otherwise
/// `*index_out` names the subscription the message is for, and the caller handles it and
/// waits again. Fails with the request's `NATSKIT_STATUS_TIMEOUT` or `NO_RESPONDERS`.
#[no_mangle]
pub unsafe extern "C" fn natskit_pending_request_wait(
    request: *mut natskit_pending_request,
    subscriptions: *const *const natskit_subscription,
    count: usize,
    index_out: *mut usize,
    message_out: *mut *mut natskit_message,
) -> natskit_status {
    guard(|| {
        let r = ffi::handle_mut(request, "request")?;
        let handles = match count {
            0 => &[],
            _ => ffi::slice(subscriptions, count, "subscriptions")?,
        };
        let index_slot = ffi::out(index_out, "index_out")?;
        let message_slot = ffi::out(message_out, "message_out")?;
        let mut guards = crate::subscription::take_all(handles)?;
        let mut subs: Vec<&mut Subscription> = guards.iter_mut().map(|g| &mut **g).collect();
        let (index, message) = match ffi::block_on(r.request.wait(&mut subs))? {
            Arrival::Reply(reply) => (count, reply),
            Arrival::Message(index, message) => (index, message),
        };
        *index_slot = index;
        *message_slot = natskit_message::new_handle(message);
        Ok(())
    })
}

/// Frees the request (abandoning it when no reply came yet). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_pending_request_free(request: *mut natskit_pending_request) {
    guard_value((), || ffi::free_handle(request))
}
