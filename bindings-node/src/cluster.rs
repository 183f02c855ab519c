//! `LocalCluster`: three routed JetStream nodes for failover tests (core's `LocalCluster`).
//! A cluster still running when the Node environment ends is killed with it.

use std::sync::Arc;

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use tokio::sync::Mutex;

use crate::error::Outcome;

type Slot = Arc<Mutex<Option<natskit::LocalCluster>>>;

/// Three routed nats-server nodes with JetStream on 127.0.0.1 (binary found like `LocalServer`'s).
#[napi]
pub struct LocalCluster {
    slot: Slot,
    urls: Vec<String>,
}

#[napi]
impl LocalCluster {
    /// Starts the nodes and resolves once JetStream has elected a meta leader.
    #[napi(catch_unwind, ts_return_type = "Promise<LocalCluster>")]
    pub fn start(env: &Env) -> napi::Result<PromiseRaw<'_, Outcome<LocalCluster>>> {
        crate::error::guard(|| {
            let slot: Slot = Arc::default();
            env.add_env_cleanup_hook(Arc::downgrade(&slot), |slot| {
                if let Some(slot) = slot.upgrade() {
                    if let Ok(mut cluster) = slot.try_lock() {
                        cluster.take();
                    }
                }
            })?;
            env.spawn_future(async move {
                let started = crate::runtime::unwinding(async move {
                    let cluster = natskit::LocalCluster::start().await?;
                    let urls = cluster.urls();
                    *slot.lock().await = Some(cluster);
                    Ok(LocalCluster { slot, urls })
                });
                Ok(started.await)
            })
        })
    }

    /// The client URLs of every node, node 0 first.
    #[napi(catch_unwind, getter)]
    pub fn urls(&self) -> Vec<String> {
        self.urls.clone()
    }

    /// Kills node 0, 1 or 2 (SIGKILL), keeping its ports and store for `restart()`.
    #[napi(catch_unwind, ts_return_type = "void")]
    pub fn kill(&self, node: u32) -> Outcome<()> {
        crate::error::outcome(|| match self.slot.blocking_lock().as_mut() {
            Some(cluster) => cluster.kill(node as usize),
            None => Err(stopped()),
        })
    }

    /// Starts a killed node again and resolves once JetStream has a meta leader.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub async fn restart(&self, node: u32) -> Outcome<()> {
        let slot = self.slot.clone();
        crate::runtime::unwinding(async move {
            match slot.lock().await.as_mut() {
                Some(cluster) => cluster.restart(node as usize).await,
                None => Err(stopped()),
            }
        })
        .await
    }

    /// Stops every node.
    #[napi(catch_unwind)]
    pub fn stop(&self) -> napi::Result<()> {
        crate::error::guard(|| {
            self.slot.blocking_lock().take();
            Ok(())
        })
    }
}

fn stopped() -> natskit::Error {
    natskit::Error::new(
        natskit::ErrorCode::Closed,
        "the cluster was stopped; start a new one",
    )
}
