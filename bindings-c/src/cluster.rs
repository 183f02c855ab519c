//! `natskit_local_cluster`: three routed nats-server nodes with JetStream on loopback, for
//! failover tests (core's `LocalCluster`; the binary is found like `natskit_local_server`'s).

use std::ffi::{c_char, CString};

use natskit::LocalCluster;

use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// A running local cluster (opaque).
pub struct natskit_local_cluster {
    cluster: LocalCluster,
    urls: CString,
}

/// Starts the three nodes and waits until JetStream has elected a meta leader (a few seconds).
#[no_mangle]
pub unsafe extern "C" fn natskit_local_cluster_start(
    cluster_out: *mut *mut natskit_local_cluster,
) -> natskit_status {
    guard(|| {
        let out = ffi::out(cluster_out, "cluster_out")?;
        let cluster = ffi::block_on(LocalCluster::start())?;
        let urls = ffi::lent_string(&cluster.urls().join(","), "urls")?;
        *out = ffi::into_handle(natskit_local_cluster { cluster, urls });
        Ok(())
    })
}

/// The client URLs of every node, node 0 first, comma-separated (usable as `servers` in
/// `natskit_connect`'s options), valid until the cluster is freed.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_cluster_urls(
    cluster: *const natskit_local_cluster,
    urls_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(cluster, urls_out, |c| Ok(c.urls.as_ptr()))
}

/// Kills `node` (0, 1 or 2) with SIGKILL; its ports and store stay for
/// `natskit_local_cluster_restart`. Another index is `NATSKIT_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_cluster_kill(
    cluster: *mut natskit_local_cluster,
    node: usize,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle_mut(cluster, "cluster")?;
        c.cluster.kill(node)
    })
}

/// Starts `node` again with its ports and store, then waits for a JetStream meta leader.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_cluster_restart(
    cluster: *mut natskit_local_cluster,
    node: usize,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle_mut(cluster, "cluster")?;
        ffi::block_on(c.cluster.restart(node))
    })
}

/// Stops every node and frees the handle. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_cluster_free(cluster: *mut natskit_local_cluster) {
    guard_value((), || ffi::free_handle(cluster))
}
