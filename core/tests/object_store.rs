//! Object store against a real nats-server: buckets, multi-chunk objects with their digest,
//! list/info/delete/links/seal, errors, and a large object streamed both ways.

mod common;

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use common::{client, server};
use natskit::jetstream::{ObjectPutOptions, ObjectStoreConfig, ObjectWatchOptions};
use natskit::ErrorCode;
use ring::digest::{Context as Sha, SHA256};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

fn digest_of(data: &[u8]) -> String {
    format!(
        "SHA-256={}",
        URL_SAFE.encode(ring::digest::digest(&SHA256, data))
    )
}

/// Deterministic pseudo-random bytes, never all in memory.
fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(2_654_435_761) >> 13) as u8
}

#[tokio::test]
async fn objects_round_trip_with_their_digest_and_metadata() {
    let srv = server();
    let js = client(&srv).await.jetstream();
    let config = js
        .object_store_config(json!({
            "bucket": "files", "description": "test files", "max_age": 3_600_000_000_000u64,
            "storage": "memory", "compression": true
        }))
        .unwrap();
    let store = js.create_object_store(&config).await.unwrap();
    let stream = js.stream_info("OBJ_files").await.unwrap();
    assert_eq!(stream["config"]["description"], "test files");
    assert_eq!(stream["config"]["max_age"], 3_600_000_000_000u64);
    assert_eq!(stream["config"]["compression"], "s2");

    // 300 KiB: three 128 KiB chunks.
    let data: Vec<u8> = (0..300 * 1024).map(pattern).collect();
    let options = ObjectPutOptions::from_host(json!({
        "description": "report", "headers": {"X-Kind": "pdf"}, "metadata": {"owner": "ann"}
    }))
    .unwrap();
    let info = store
        .put_bytes("docs/report.pdf", &data, &options)
        .await
        .unwrap();
    assert_eq!((info.size, info.chunks), (300 * 1024, 3));
    assert_eq!(info.digest.as_deref(), Some(digest_of(&data).as_str()));
    assert!(info.mtime.is_some());

    let (got, bytes) = store.get_bytes("docs/report.pdf").await.unwrap();
    assert!(bytes == data, "the data read back differs");
    assert_eq!(got.headers.get("x-kind"), Some("pdf"));
    assert_eq!(got.metadata["owner"], "ann");
    assert_eq!(got.description.as_deref(), Some("report"));
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["headers"], json!({"X-Kind": ["pdf"]}));
    assert!(json["mtime"].as_str().unwrap().ends_with('Z'), "{json}");

    store
        .put_bytes("empty", b"", &ObjectPutOptions::default())
        .await
        .unwrap();
    let (empty, bytes) = store.get_bytes("empty").await.unwrap();
    assert_eq!((empty.size, bytes.len()), (0, 0));

    let link = store.link("latest", "docs/report.pdf").await.unwrap();
    assert_eq!(link.link.unwrap().name.as_deref(), Some("docs/report.pdf"));
    assert!(store.get_bytes("latest").await.unwrap().1 == data);

    let names: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["docs/report.pdf", "empty", "latest"]);
    assert_eq!(store.info("empty").await.unwrap().size, 0);

    store.delete("empty").await.unwrap();
    for err in [
        store.info("empty").await.unwrap_err(),
        store.get("empty").await.unwrap_err(),
        store.delete("empty").await.unwrap_err(),
        store.get("never-there").await.unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    }
    assert_eq!(store.list().await.unwrap().len(), 2);
    assert_eq!(js.object_store_names().await.unwrap(), ["files"]);

    store.seal().await.unwrap();
    let err = store
        .put_bytes("more", b"x", &ObjectPutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(err.message().contains("sealed"), "{err}");
    assert!(store.get_bytes("docs/report.pdf").await.unwrap().1 == data);

    js.delete_object_store("files").await.unwrap();
    assert_eq!(
        js.object_store("files").await.unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn bad_names_and_configs_are_invalid_arguments() {
    let srv = server();
    let js = client(&srv).await.jetstream();
    for bad in [
        json!({"bucket": "a.b"}),
        json!({"bucket": "ok", "storage": "disk"}),
        json!({"bucket": "ok", "ttl": 1}),
        json!({"bucket": "ok", "max_age": -1}),
    ] {
        let err = match js.object_store_config(bad.clone()) {
            Ok(config) => js.create_object_store(&config).await.unwrap_err(),
            Err(e) => e,
        };
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{bad}: {err}");
    }
    assert_eq!(
        js.object_store("a b").await.unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    let store = js
        .create_object_store(&ObjectStoreConfig {
            bucket: "b".into(),
            storage: "memory".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = store
        .put_bytes("", b"x", &ObjectPutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    let err = store
        .put_file("x", "/nonexistent/file", &ObjectPutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
}

/// A reader of `len` pattern bytes that hashes what it hands out.
struct PatternReader {
    at: u64,
    len: u64,
    sha: Sha,
}

impl AsyncRead for PatternReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = (buf.remaining() as u64)
            .min(self.len - self.at)
            .min(64 * 1024);
        let chunk: Vec<u8> = (self.at..self.at + n).map(pattern).collect();
        self.sha.update(&chunk);
        buf.put_slice(&chunk);
        self.at += n;
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
async fn a_large_object_streams_in_and_out_with_its_digest() {
    const LEN: u64 = 32 * 1024 * 1024;
    let srv = server();
    let js = client(&srv).await.jetstream();
    let store = js
        .create_object_store(&ObjectStoreConfig {
            bucket: "big".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut reader = PatternReader {
        at: 0,
        len: LEN,
        sha: Sha::new(&SHA256),
    };
    let info = tokio::time::timeout(
        Duration::from_secs(120),
        store.put("big.bin", &mut reader, &ObjectPutOptions::default()),
    )
    .await
    .expect("put within 120 s")
    .unwrap();
    let written = format!("SHA-256={}", URL_SAFE.encode(reader.sha.finish()));
    assert_eq!((info.size, info.chunks), (LEN, LEN / (128 * 1024)));
    assert_eq!(info.digest.as_deref(), Some(written.as_str()));

    let mut writer = HashWriter {
        sha: Sha::new(&SHA256),
        len: 0,
    };
    let got = tokio::time::timeout(
        Duration::from_secs(120),
        store.get_to_writer("big.bin", &mut writer),
    )
    .await
    .expect("get within 120 s")
    .unwrap();
    assert_eq!(writer.len, LEN);
    let read = format!("SHA-256={}", URL_SAFE.encode(writer.sha.finish()));
    assert_eq!(read, written);
    assert_eq!(got.digest, info.digest);

    // The same through files.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.bin");
    store.get_to_file("big.bin", &copy).await.unwrap();
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), LEN);
    let again = store
        .put_file("again.bin", &copy, &ObjectPutOptions::default())
        .await
        .unwrap();
    assert_eq!(again.digest, info.digest);
    let missing = dir.path().join("missing.bin");
    let err = store.get_to_file("missing", &missing).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(!missing.exists(), "a failed get leaves no file");
}

#[tokio::test]
async fn a_watch_gives_current_objects_then_puts_and_deletes() {
    let srv = server();
    let js = client(&srv).await.jetstream();
    let store = js
        .create_object_store(&ObjectStoreConfig {
            bucket: "watched".into(),
            storage: "memory".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let none = ObjectPutOptions::default();
    store.put_bytes("a", b"1", &none).await.unwrap();
    let short = Some(Duration::from_millis(300));
    let mut watch = store.watch(ObjectWatchOptions::default()).await.unwrap();
    let first = watch.next(short).await.unwrap().unwrap();
    assert_eq!(
        (first.name.as_str(), first.size, first.deleted),
        ("a", 1, false)
    );
    let mut updates = store
        .watch(
            ObjectWatchOptions::from_host(json!({"updatesOnly": true, "ignore_deletes": true}))
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(updates.next(short).await.unwrap().is_none());

    store.put_bytes("b", b"22", &none).await.unwrap();
    store.delete("a").await.unwrap();
    let b = watch.next(short).await.unwrap().unwrap();
    assert_eq!((b.name.as_str(), b.size), ("b", 2));
    let gone = watch.next(short).await.unwrap().unwrap();
    assert_eq!((gone.name.as_str(), gone.deleted), ("a", true));
    assert_eq!(updates.next(short).await.unwrap().unwrap().name, "b");
    assert!(
        updates.next(short).await.unwrap().is_none(),
        "the delete is skipped"
    );

    let control = watch.control();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        control.stop();
    });
    let err = watch.next(None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Closed);
    assert_eq!(
        ObjectWatchOptions::from_host(json!({"history": true}))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
}
