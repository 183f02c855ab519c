//! Riding out a leader election. While a cluster elects a new stream, consumer or meta
//! leader, the server answers JetStream calls with 503 (no responders, which async-nats
//! reports for publishes as "no stream found for given subject"), "JetStream system
//! temporarily unavailable", ends waiting pulls with 409 "Leadership Change", or does not
//! answer at all (a timeout); a client whose node died also loses the acks it waited for
//! ("broken pipe"). Such calls are retried for a bounded
//! time instead of failing at once.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{ErrorCode, Result};

/// How long a call is retried through an election (nats-server elects within ~10 s).
pub(crate) const ELECTION: Duration = Duration::from_secs(15);

/// How long calls on storage with `replicas` ride out an election: only a replicated stream
/// has one to wait for; on a single replica an error is an outage, reported at once.
pub(crate) fn window(replicas: usize) -> Duration {
    if replicas > 1 {
        ELECTION
    } else {
        Duration::ZERO
    }
}

/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_millis(500);

/// `err_code` of "JetStream system temporarily unavailable".
const TEMPORARILY_UNAVAILABLE: u64 = 10008;

/// True for the errors a call gets while a leader is being elected.
pub(crate) fn during_election(e: &crate::Error) -> bool {
    let text = e.message();
    matches!(e.code(), ErrorCode::Timeout | ErrorCode::NoResponders)
        || e.server_code() == Some(TEMPORARILY_UNAVAILABLE)
        || text.contains("no stream found for given subject")
        || text.contains("no responders")
        || text.contains("from the stream: 503")
        || text.contains("Leadership Change")
        || text.contains("broken pipe")
}

/// Runs `call` until it succeeds, fails for another reason, or `within` has passed.
pub(crate) async fn retry<T, F, Fut>(within: Duration, mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let deadline = Instant::now() + within;
    let mut pause = Duration::from_millis(50);
    loop {
        match call().await {
            Err(e) if during_election(&e) && Instant::now() + pause < deadline => {
                tracing::debug!("retrying through a leader election: {e}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
            done => return done,
        }
    }
}
