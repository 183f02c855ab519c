//! Waiting for a stream's ack without outliving the connection it would come back on.
//!
//! async-nats starts an ack's timeout when the ack is awaited, so acks collected one batch
//! after another time out one batch after another; and an ack for a message sent before the
//! connection dropped can never come. Here the deadline runs from the send, and an ack fails
//! as soon as the connection it was sent on is lost.

use std::time::Duration;

use async_nats::jetstream::context::{PublishAckFuture, PublishError, PublishErrorKind};
use async_nats::jetstream::publish::PublishAck;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::client::Client;

/// An ack on its way back, with its deadline and the connection it was sent on.
#[derive(Debug)]
pub(crate) struct PendingAck {
    ack: PublishAckFuture,
    deadline: Instant,
    disconnects: watch::Receiver<u64>,
    sent_on: u64,
    client: Client,
}

impl PendingAck {
    /// Tracks `ack`, sent just now on `client`'s current connection, for up to `timeout`.
    pub(crate) fn new(client: &Client, ack: PublishAckFuture, timeout: Duration) -> PendingAck {
        let disconnects = client.hub().disconnects();
        let sent_on = *disconnects.borrow();
        PendingAck {
            ack,
            deadline: Instant::now() + timeout,
            disconnects,
            sent_on,
            client: client.clone(),
        }
    }

    /// The ack; `TimedOut` past the deadline, `BrokenPipe` once the connection was lost.
    pub(crate) async fn wait(self) -> Result<PublishAck, PublishError> {
        let PendingAck {
            ack,
            deadline,
            mut disconnects,
            sent_on,
            client,
        } = self;
        let lost = async move {
            if disconnects.wait_for(|n| *n > sent_on).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let acked = tokio::select! {
            acked = tokio::time::timeout_at(deadline, ack) => {
                acked.unwrap_or_else(|_| Err(PublishError::new(PublishErrorKind::TimedOut)))
            }
            () = lost => Err(PublishError::new(PublishErrorKind::BrokenPipe)),
        };
        client.recorder().publish_acked(acked.is_ok());
        acked
    }
}
