//! The reconnect buffer. Publishes made while the connection is down wait in async-nats'
//! command queue until a server is back; natskit bounds what waits there in bytes
//! (`reconnect_buffer_size`) and in messages ([`MAX_HELD_MESSAGES`]), so a publish past
//! either bound fails at once instead of growing memory or blocking on the full queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::error::{human_bytes, Error, ErrorCode, Result};

/// The most publishes held while disconnected, whatever their size.
pub const MAX_HELD_MESSAGES: usize = 65_536;

/// async-nats' command queue: the held publishes plus room for subscribes, flushes and pings.
pub(crate) const COMMAND_QUEUE: usize = MAX_HELD_MESSAGES + 2_048;

/// What is held since the connection was lost.
#[derive(Debug, Default)]
pub(crate) struct OfflineBuffer {
    offline: AtomicBool,
    /// Bytes and messages held.
    held: Mutex<(usize, usize)>,
}

impl OfflineBuffer {
    /// The connection was lost: publishes are held from now on.
    pub(crate) fn disconnected(&self) {
        self.offline.store(true, Ordering::SeqCst);
    }

    /// A server is back: what was held is being sent.
    pub(crate) fn connected(&self) {
        let mut held = self.held.lock().unwrap();
        *held = (0, 0);
        self.offline.store(false, Ordering::SeqCst);
    }

    /// Publishes held now.
    pub(crate) fn held_messages(&self) -> usize {
        self.held.lock().unwrap().1
    }

    /// Admits a publish of `size` bytes: always while connected; while disconnected only when
    /// it fits `limit` bytes and [`MAX_HELD_MESSAGES`]. `hold` counts an admitted one as held.
    pub(crate) fn admit(&self, size: usize, limit: usize, hold: bool) -> Result<()> {
        if !self.offline.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut held = self.held.lock().unwrap();
        if !self.offline.load(Ordering::SeqCst) {
            return Ok(());
        }
        let (bytes, messages) = *held;
        if bytes.saturating_add(size) > limit || messages >= MAX_HELD_MESSAGES {
            return Err(Error::new(
                ErrorCode::Connect,
                format!(
                    "reconnect buffer full: {} in {messages} publishes already held while \
                     disconnected (reconnect_buffer_size {}, at most {MAX_HELD_MESSAGES} \
                     publishes); this one ({}) is not sent",
                    human_bytes(bytes),
                    human_bytes(limit),
                    human_bytes(size)
                ),
            ));
        }
        if hold {
            *held = (bytes + size, messages + 1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_up_to_the_limit_while_offline_and_forgets_on_reconnect() {
        let b = OfflineBuffer::default();
        assert!(b.admit(100, 0, true).is_ok(), "connected: no limit");
        b.disconnected();
        assert!(b.admit(60, 100, true).is_ok());
        assert!(b.admit(40, 100, false).is_ok(), "a check holds nothing");
        assert!(b.admit(40, 100, true).is_ok());
        let err = b.admit(1, 100, true).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Connect);
        assert!(err.message().contains("reconnect_buffer_size"), "{err}");
        b.connected();
        b.disconnected();
        assert!(b.admit(100, 100, true).is_ok(), "reconnecting empties it");
    }
}
