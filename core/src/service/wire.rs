//! The JSON of the services protocol (`$SRV.PING|INFO|STATS` answers), read from any client's
//! services and written for natskit's own: the field names are the protocol's.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::units::{HostJson, Object};

/// `type` of a PING answer.
pub const PING_TYPE: &str = "io.nats.micro.v1.ping_response";
/// `type` of an INFO answer.
pub const INFO_TYPE: &str = "io.nats.micro.v1.info_response";
/// `type` of a STATS answer.
pub const STATS_TYPE: &str = "io.nats.micro.v1.stats_response";

/// Metadata: text keys and values (`null` reads as empty).
pub type Metadata = BTreeMap<String, String>;

/// A service's answer to `$SRV.PING`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {
    /// `io.nats.micro.v1.ping_response`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The service name.
    pub name: String,
    /// The instance id (unique per running instance).
    pub id: String,
    /// The semantic version.
    #[serde(default)]
    pub version: String,
    /// The service's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// A service's answer to `$SRV.INFO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// `io.nats.micro.v1.info_response`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The service name.
    pub name: String,
    /// The instance id.
    pub id: String,
    /// The semantic version.
    #[serde(default)]
    pub version: String,
    /// What the service does.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// The service's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// Its endpoints, in the order they were added.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<EndpointInfo>,
}

/// One endpoint in an INFO answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointInfo {
    /// The endpoint name.
    pub name: String,
    /// The subject it listens on.
    pub subject: String,
    /// Its queue group (`q` unless set).
    #[serde(default, deserialize_with = "null_as_default")]
    pub queue_group: String,
    /// The endpoint's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// A service's answer to `$SRV.STATS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStats {
    /// `io.nats.micro.v1.stats_response`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The service name.
    pub name: String,
    /// The instance id.
    pub id: String,
    /// The semantic version.
    #[serde(default)]
    pub version: String,
    /// The service's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// When the instance started (RFC 3339).
    #[serde(default)]
    pub started: String,
    /// Per-endpoint numbers, in the order the endpoints were added.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<EndpointStats>,
}

/// One endpoint's numbers in a STATS answer (durations in nanoseconds, as on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointStats {
    /// The endpoint name.
    pub name: String,
    /// The subject it listens on.
    pub subject: String,
    /// Its queue group.
    #[serde(default, deserialize_with = "null_as_default")]
    pub queue_group: String,
    /// Requests answered (errors included).
    #[serde(default)]
    pub num_requests: u64,
    /// Requests answered with an error.
    #[serde(default)]
    pub num_errors: u64,
    /// Total time from receipt to answer, nanoseconds.
    #[serde(default)]
    pub processing_time: u64,
    /// `processing_time / num_requests`, nanoseconds.
    #[serde(default)]
    pub average_processing_time: u64,
    /// The last error as `"code:description"` (empty when none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_error: String,
    /// Extra data the service reports, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl HostJson for ServiceStats {
    const OBJECT: Object = Object::ServiceStats;
}

/// Services written in other clients send `null` for empty maps and lists.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
