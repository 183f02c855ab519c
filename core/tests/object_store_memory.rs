//! A 200 MB object round trip keeps the process's memory small. Alone in its file so
//! that its test binary runs nothing else: the peak RSS it reads is this test's own.

mod common;

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use common::{client, server};
use natskit::jetstream::{ObjectPutOptions, ObjectStoreConfig};
use ring::digest::{Context as Sha, SHA256};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const LEN: u64 = 200 * 1024 * 1024;
const LIMIT: u64 = 100 * 1024 * 1024;

/// A `/proc/self/status` field in bytes (`VmRSS`: now, `VmHWM`: peak).
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    let kib: u64 = line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

/// Deterministic pseudo-random bytes (xorshift), made as read and hashed as handed out.
struct RandomReader {
    left: u64,
    state: u64,
    sha: Sha,
}

impl AsyncRead for RandomReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = (buf.remaining() as u64).min(self.left).min(64 * 1024) as usize;
        let mut chunk = vec![0u8; n];
        for b in chunk.chunks_mut(8) {
            let mut x = self.state;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.state = x;
            b.copy_from_slice(&x.to_le_bytes()[..b.len()]);
        }
        self.sha.update(&chunk);
        buf.put_slice(&chunk);
        self.left -= n as u64;
        Poll::Ready(Ok(()))
    }
}

/// A writer that only hashes and counts.
struct HashWriter {
    sha: Sha,
    len: u64,
}

impl AsyncWrite for HashWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.sha.update(buf);
        self.len += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_200_mb_object_round_trips_with_rss_under_100_mb() {
    let srv = server();
    let js = client(&srv).await.jetstream();
    let store = js
        .create_object_store(&ObjectStoreConfig {
            bucket: "huge".into(),
            max_bytes: 2 * LEN as i64,
            ..Default::default()
        })
        .await
        .unwrap();
    let before = status_bytes("VmRSS");

    let mut reader = RandomReader {
        left: LEN,
        state: 0x9E37_79B9_7F4A_7C15,
        sha: Sha::new(&SHA256),
    };
    let options = ObjectPutOptions::default();
    let put = store.put("huge.bin", &mut reader, &options);
    let info = tokio::time::timeout(Duration::from_secs(120), put)
        .await
        .expect("put within 120 s")
        .unwrap();
    let written = reader.sha.finish();
    assert_eq!(info.size, LEN);

    let mut writer = HashWriter {
        sha: Sha::new(&SHA256),
        len: 0,
    };
    let get = store.get_to_writer("huge.bin", &mut writer);
    let got = tokio::time::timeout(Duration::from_secs(120), get)
        .await
        .expect("get within 120 s")
        .unwrap();
    assert_eq!(writer.len, LEN);
    assert_eq!(writer.sha.finish().as_ref(), written.as_ref());
    assert_eq!(got.digest, info.digest);

    let grew = status_bytes("VmHWM").saturating_sub(before);
    assert!(
        grew < LIMIT,
        "peak RSS grew by {} MB moving a {} MB object",
        grew >> 20,
        LEN >> 20
    );
}
