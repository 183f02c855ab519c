//! Where a queue's stream lives: its name, layout, leader and replicas (`natskit queue size`).

use serde::Serialize;

use super::Queue;
use crate::config::StreamLayout;
use crate::error::Result;

/// The stream holding a queue's jobs and the servers carrying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamPlacement {
    /// `shared` or `per-queue`.
    pub layout: StreamLayout,
    /// The stream's name.
    pub stream: String,
    /// The server leading the stream (`None` on a single server or during an election).
    pub leader: Option<String>,
    /// How many copies the stream keeps.
    pub replicas: usize,
    /// The servers with a copy, leader first.
    pub servers: Vec<String>,
    /// The cluster the stream is placed in (`None` on a single server).
    pub cluster: Option<String>,
    /// Of a partitioned queue: each partition's placement, partition 0 first (the fields
    /// above are partition 0's); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<StreamPlacement>,
}

impl Queue {
    /// Where this queue's stream lives (created if it does not exist yet).
    pub async fn placement(&self) -> Result<StreamPlacement> {
        if !self.inner.parts.is_empty() {
            let mut partitions = Vec::new();
            for part in &self.inner.parts {
                partitions.push(Box::pin(part.placement()).await?);
            }
            return Ok(StreamPlacement {
                partitions: partitions.clone(),
                ..partitions.swap_remove(0)
            });
        }
        self.ensure_stream().await?;
        let info = self
            .client()
            .jetstream()
            .stream_info(&self.stream_name())
            .await?;
        let cluster = &info["cluster"];
        let leader = cluster["leader"].as_str().map(str::to_string);
        let mut servers: Vec<String> = leader.iter().cloned().collect();
        if let Some(peers) = cluster["replicas"].as_array() {
            servers.extend(
                peers
                    .iter()
                    .filter_map(|p| p["name"].as_str())
                    .map(str::to_string),
            );
        }
        Ok(StreamPlacement {
            layout: self.layout(),
            stream: self.stream_name(),
            leader,
            replicas: info["config"]["num_replicas"].as_u64().unwrap_or(1) as usize,
            servers,
            cluster: cluster["name"].as_str().map(str::to_string),
            partitions: Vec::new(),
        })
    }
}
