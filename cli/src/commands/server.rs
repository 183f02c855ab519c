//! `natskit server`: the embedded local nats-server in the foreground.

use natskit::{Error, ErrorCode, LocalServer, ServerOptions};
use serde_json::json;

use crate::args::ServerArgs;
use crate::output::Output;

/// Starts nats-server with JetStream and keeps it running until Ctrl-C.
pub async fn run(a: &ServerArgs, out: &Output) -> natskit::Result<()> {
    let options = ServerOptions {
        port: a.port,
        jetstream: true,
        store_dir: a.jetstream_dir.clone(),
        ..ServerOptions::jetstream()
    };
    let server = tokio::task::spawn_blocking(move || LocalServer::with_options(options))
        .await
        .map_err(|e| Error::new(ErrorCode::Io, e.to_string()))??;
    let store = a
        .jetstream_dir
        .as_ref()
        .map_or("a temporary directory".to_string(), |d| {
            d.display().to_string()
        });
    out.show(&json!({"url": server.url(), "port": server.port()}), || {
        println!(
            "nats-server listening on {} (JetStream store in {store}); Ctrl-C stops it",
            server.url()
        )
    });
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::new(ErrorCode::Io, format!("cannot wait for Ctrl-C: {e}")))?;
    server.stop();
    Ok(())
}
