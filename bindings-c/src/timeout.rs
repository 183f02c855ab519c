//! The one timeout encoding of the C ABI: every `timeout_ms`/`wait_ms` argument is
//! `NATSKIT_TIMEOUT_DEFAULT`, `NATSKIT_NO_WAIT`, `NATSKIT_FOREVER` or a number of milliseconds
//! above 0, with the same meaning in every function. Decoded here, never per function.

use std::time::Duration;

use natskit::jetstream::FetchOptions;
use natskit::Result;

use crate::ffi::invalid;

/// The call's configured timeout: the connection's `request_timeout` for requests, its
/// `jetstream.timeout` for JetStream fetches. Calls with nothing configured (receiving from a
/// subscription, popping jobs, a worker step) take only what is ready, as with
/// `NATSKIT_NO_WAIT`.
pub const NATSKIT_TIMEOUT_DEFAULT: i64 = -1;

/// Do not wait: take only what is ready now.
pub const NATSKIT_NO_WAIT: i64 = 0;

/// Wait until something comes (subscriptions only; calls whose wait the server bounds, such
/// as requests, fetches and pops, refuse it with `NATSKIT_STATUS_INVALID_ARGUMENT`).
pub const NATSKIT_FOREVER: i64 = -2;

/// A decoded C timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeout {
    Default,
    NoWait,
    Forever,
    Within(Duration),
}

impl Timeout {
    /// Reads `ms` (named `what` in errors).
    pub(crate) fn from_c(ms: i64, what: &str) -> Result<Timeout> {
        match ms {
            NATSKIT_TIMEOUT_DEFAULT => Ok(Timeout::Default),
            NATSKIT_NO_WAIT => Ok(Timeout::NoWait),
            NATSKIT_FOREVER => Ok(Timeout::Forever),
            ms if ms > 0 => crate::ffi::millis(ms, what).map(Timeout::Within),
            ms => Err(invalid(format!(
                "{what} {ms} is not NATSKIT_TIMEOUT_DEFAULT (-1), NATSKIT_NO_WAIT (0), \
                 NATSKIT_FOREVER (-2) or a number of milliseconds above 0"
            ))),
        }
    }

    /// For calls with a configured timeout that need time to answer (requests): `None` is
    /// the configured one.
    pub(crate) fn configured(self, what: &str) -> Result<Option<Duration>> {
        match self {
            Timeout::Default => Ok(None),
            Timeout::Within(d) => Ok(Some(d)),
            Timeout::NoWait | Timeout::Forever => Err(invalid(format!(
                "{what}: a request needs a wait for its reply; pass NATSKIT_TIMEOUT_DEFAULT \
                 or milliseconds above 0"
            ))),
        }
    }

    /// For JetStream pulls: the pull expires on the server after the wait.
    pub(crate) fn fetch(self, what: &str) -> Result<FetchOptions> {
        let (timeout, no_wait) = match self {
            Timeout::Default => (None, false),
            Timeout::NoWait => (None, true),
            Timeout::Within(d) => (Some(d), false),
            Timeout::Forever => return Err(forever_refused(what)),
        };
        Ok(FetchOptions { timeout, no_wait })
    }

    /// For subscriptions: `None` waits forever, zero takes what has arrived.
    pub(crate) fn receive(self) -> Option<Duration> {
        match self {
            Timeout::Default | Timeout::NoWait => Some(Duration::ZERO),
            Timeout::Forever => None,
            Timeout::Within(d) => Some(d),
        }
    }

    /// For job pops and worker steps, whose pulls expire on the server.
    pub(crate) fn bounded(self, what: &str) -> Result<Duration> {
        match self {
            Timeout::Default | Timeout::NoWait => Ok(Duration::ZERO),
            Timeout::Within(d) => Ok(d),
            Timeout::Forever => Err(forever_refused(what)),
        }
    }
}

fn forever_refused(what: &str) -> natskit::Error {
    invalid(format!(
        "{what}: NATSKIT_FOREVER is not possible here (the server expires every pull); pass \
         milliseconds above 0"
    ))
}
