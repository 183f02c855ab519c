//! A local 3-node nats-server cluster with JetStream, for failover tests.
//!
//! Each node is a [`LocalServer`] on its own free loopback client and cluster ports, with its
//! own JetStream store, named `n0`, `n1`, `n2` (the names JetStream reports as leaders) and
//! tagged `node:n0`, `node:n1`, `node:n2` (stream placement tags).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorCode, Result};
use crate::server::{free_port, LocalServer, ServerOptions};

/// How many nodes a [`LocalCluster`] runs.
const NODES: usize = 3;

/// How long starting or restarting waits for JetStream to elect a meta leader.
const META_LEADER_WAIT: Duration = Duration::from_secs(30);

/// Three routed nats-server nodes with JetStream on 127.0.0.1, killed when dropped.
#[derive(Debug)]
pub struct LocalCluster {
    nodes: Vec<LocalServer>,
}

impl LocalCluster {
    /// Starts the nodes and waits until JetStream has a meta leader. Free ports are picked
    /// before any node starts, so another process may take one first: then it tries again
    /// with new ports.
    pub async fn start() -> Result<LocalCluster> {
        LocalCluster::start_with_binary(None).await
    }

    /// [`LocalCluster::start`] with this nats-server executable (`None` looks it up with
    /// [`crate::server::find_binary`]).
    pub async fn start_with_binary(binary: Option<PathBuf>) -> Result<LocalCluster> {
        let mut tries = 0;
        loop {
            tries += 1;
            match LocalCluster::start_once(binary.clone()).await {
                Err(e) if e.code() == ErrorCode::Io && tries < 3 => continue,
                started => return started,
            }
        }
    }

    async fn start_once(binary: Option<PathBuf>) -> Result<LocalCluster> {
        let client_ports = (0..NODES)
            .map(|_| free_port())
            .collect::<Result<Vec<_>>>()?;
        let route_ports = (0..NODES)
            .map(|_| free_port())
            .collect::<Result<Vec<_>>>()?;
        let route = |port: &u16| format!("nats://127.0.0.1:{port}");
        let mut nodes = Vec::with_capacity(NODES);
        for (i, port) in client_ports.iter().enumerate() {
            let routes: Vec<String> = route_ports
                .iter()
                .filter(|p| **p != route_ports[i])
                .map(route)
                .collect();
            let args = [
                "--name".to_string(),
                node_name(i),
                "--cluster_name".into(),
                "natskit".into(),
                "--cluster".into(),
                route(&route_ports[i]),
                "--routes".into(),
                routes.join(","),
            ];
            nodes.push(LocalServer::with_options(ServerOptions {
                port: Some(*port),
                config: Some(format!("server_tags: [\"node:{}\"]", node_name(i))),
                args: args.to_vec(),
                binary: binary.clone(),
                ..ServerOptions::jetstream()
            })?);
        }
        let cluster = LocalCluster { nodes };
        cluster.wait_meta_leader().await?;
        Ok(cluster)
    }

    /// The client URLs of every node, node 0 first.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(LocalServer::url).collect()
    }

    /// The process id of each node, node 0 first (`None` for a node killed and not restarted).
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.nodes.iter().map(LocalServer::pid).collect()
    }

    /// The node JetStream calls `name` (a stream or consumer `cluster.leader`).
    pub fn node_named(&self, name: &str) -> Option<usize> {
        (0..self.nodes.len()).find(|i| node_name(*i) == name)
    }

    /// Kills `node` (0, 1 or 2; SIGKILL); its ports and store stay for
    /// [`LocalCluster::restart`]. Another index is an `INVALID_ARGUMENT`.
    pub fn kill(&mut self, node: usize) -> Result<()> {
        self.node(node)?.kill();
        Ok(())
    }

    /// Starts `node` again with its ports and store, then waits for a meta leader.
    pub async fn restart(&mut self, node: usize) -> Result<()> {
        self.node(node)?.start_again()?;
        self.wait_meta_leader().await
    }

    /// Stops every node now.
    pub fn stop(self) {
        self.nodes.into_iter().for_each(LocalServer::stop);
    }

    /// Node `node`, or `INVALID_ARGUMENT` naming the valid range.
    fn node(&mut self, node: usize) -> Result<&mut LocalServer> {
        let count = self.nodes.len();
        self.nodes.get_mut(node).ok_or_else(|| {
            Error::invalid_argument(format!(
                "cluster: no node {node}; the nodes are 0 to {}",
                count - 1
            ))
        })
    }

    /// Polls `$JS.API.INFO` until it answers without an error (no meta leader: 503 or
    /// "JetStream system temporarily unavailable").
    async fn wait_meta_leader(&self) -> Result<()> {
        let deadline = Instant::now() + META_LEADER_WAIT;
        let io = |e: &dyn std::fmt::Display| Error::new(ErrorCode::Io, format!("cluster: {e}"));
        let servers = self
            .urls()
            .iter()
            .map(|u| u.parse::<async_nats::ServerAddr>().map_err(|e| io(&e)))
            .collect::<Result<Vec<_>>>()?;
        let client = async_nats::connect(servers).await.map_err(|e| io(&e))?;
        while Instant::now() < deadline {
            let answer = tokio::time::timeout(
                Duration::from_secs(1),
                client.request("$JS.API.INFO", "".into()),
            )
            .await;
            if let Ok(Ok(reply)) = answer {
                let info: serde_json::Value =
                    serde_json::from_slice(&reply.payload).unwrap_or_default();
                if info.is_object() && info.get("error").is_none() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(Error::timeout(format!(
            "cluster: JetStream elected no meta leader within {} s",
            META_LEADER_WAIT.as_secs()
        )))
    }
}

fn node_name(node: usize) -> String {
    format!("n{node}")
}
