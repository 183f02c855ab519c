//! NATS services ("micro"): a named, versioned service whose endpoints answer requests in a
//! queue group (`q` unless set), discoverable through `$SRV.PING|INFO|STATS` by any client's
//! tooling, with per-endpoint stats and error replies in the standard headers
//! (`Nats-Service-Error`, `Nats-Service-Error-Code`).
//!
//! Built on async-nats' `service` module (the protocol side); natskit adds validation with
//! its error codes, endpoints read with a timeout, ordered INFO/STATS, a draining `stop()`
//! and the client side of discovery ([`discovery`]).
//!
//! ```no_run
//! # async fn demo(client: natskit::Client) -> natskit::Result<()> {
//! use natskit::service::{EndpointConfig, ServiceConfig};
//! let service = client.add_service(ServiceConfig::new("orders", "1.0.0")).await?;
//! let mut create = service.endpoint(EndpointConfig::new("orders.create")).await?;
//! while let Some(request) = create.next_timeout(None).await? {
//!     request.respond("created").await?;
//! }
//! # Ok(()) }
//! ```

mod config;
pub mod discovery;
mod endpoint;
mod request;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

pub use config::{EndpointConfig, ServiceConfig};
pub use endpoint::Endpoint;
pub use request::Request;
pub use wire::{EndpointInfo, EndpointStats, Ping, ServiceInfo, ServiceStats};

use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::subject;

/// The queue group endpoints join unless configured otherwise.
pub const DEFAULT_QUEUE_GROUP: &str = "q";

/// A running service. Cloning is cheap and shares it.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    info: ServiceInfo,
    queue_group: String,
    started: String,
    /// async-nats' service; `None` once stopped.
    running: tokio::sync::Mutex<Option<async_nats::service::Service>>,
    /// The endpoints' numbers when the service stopped.
    final_stats: Mutex<HashMap<String, async_nats::service::endpoint::Stats>>,
    /// Endpoint infos in the order they were added (async-nats keeps a map).
    endpoints: Mutex<Vec<EndpointInfo>>,
    /// Flips to `true` on `stop()`; each endpoint then unsubscribes and reports back.
    stopping: watch::Sender<bool>,
}

impl Drop for Inner {
    /// A service dropped without `stop()` stops answering discovery too.
    fn drop(&mut self) {
        if let Some(running) = self.running.get_mut().take() {
            crate::runtime::handle().spawn(async move { running.stop().await.ok() });
        }
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.inner.info.name)
            .field("id", &self.inner.info.id)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

impl Client {
    /// Starts a service: validates the name (`A-Z a-z 0-9 - _`), the semantic version and
    /// the queue group (`INVALID_ARGUMENT`), then answers `$SRV.PING|INFO|STATS`.
    pub async fn add_service(&self, config: ServiceConfig) -> Result<Service> {
        Service::start(self, config).await
    }
}

impl Service {
    async fn start(client: &Client, config: ServiceConfig) -> Result<Service> {
        client.check_open()?;
        config.validate()?;
        let queue_group = config
            .queue_group
            .clone()
            .unwrap_or_else(|| DEFAULT_QUEUE_GROUP.to_string());
        let mut builder = async_nats::service::ServiceExt::service_builder(client.nats())
            .queue_group(&queue_group)
            .metadata(config.metadata.clone().into_iter().collect());
        if let Some(description) = &config.description {
            builder = builder.description(description);
        }
        let running = builder
            .start(&config.name, &config.version)
            .await
            .map_err(|e| client.send_error(e))?;
        let id = running.info().await.id;
        // Discovery from other connections is answered as soon as this returns.
        client.flush().await?;
        let info = ServiceInfo {
            kind: wire::INFO_TYPE.to_string(),
            name: config.name,
            id,
            version: config.version,
            description: config.description.unwrap_or_default(),
            metadata: config.metadata,
            endpoints: Vec::new(),
        };
        Ok(Service {
            inner: Arc::new(Inner {
                client: client.clone(),
                info,
                queue_group,
                started: crate::timestamp::rfc3339(time::OffsetDateTime::now_utc()),
                running: tokio::sync::Mutex::new(Some(running)),
                endpoints: Mutex::new(Vec::new()),
                final_stats: Mutex::new(HashMap::new()),
                stopping: watch::channel(false).0,
            }),
        })
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.inner.info.name
    }

    /// This instance's id (unique per running instance).
    pub fn id(&self) -> &str {
        &self.inner.info.id
    }

    /// The semantic version.
    pub fn version(&self) -> &str {
        &self.inner.info.version
    }

    /// True once `stop()` was called.
    pub fn is_stopped(&self) -> bool {
        *self.inner.stopping.borrow()
    }

    /// Adds an endpoint at the service's root (its subject as given); returns once the
    /// server has its subscription.
    pub async fn endpoint(&self, config: EndpointConfig) -> Result<Endpoint> {
        self.add_endpoint(None, &self.inner.queue_group, config)
            .await
    }

    /// A group: endpoints added through it get `prefix.` before their subject and, unless
    /// they set their own, the group's queue group (the service's by default).
    pub fn group(&self, prefix: &str, queue_group: Option<&str>) -> Result<Group> {
        Group::new(
            self.clone(),
            prefix.to_string(),
            queue_group,
            &self.inner.queue_group,
        )
    }

    async fn add_endpoint(
        &self,
        prefix: Option<&str>,
        group_queue: &str,
        config: EndpointConfig,
    ) -> Result<Endpoint> {
        config.validate()?;
        let subject = match prefix {
            Some(p) => format!("{p}.{}", config.subject),
            None => config.subject.clone(),
        };
        subject::validate_subscribe(&subject)?;
        let queue_group = config.queue_group.as_deref().unwrap_or(group_queue);
        let name = config
            .name
            .clone()
            .unwrap_or_else(|| subject.replace('.', "-"));
        let builder = {
            let running = self.inner.running.lock().await;
            let Some(running) = running.as_ref() else {
                return Err(self.stopped_error());
            };
            let mut endpoints = self
                .inner
                .endpoints
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if endpoints.iter().any(|e| e.name == name) {
                return Err(Error::invalid_argument(format!(
                    "service {} already has an endpoint named {name:?}; give this one another name",
                    self.name()
                )));
            }
            endpoints.push(EndpointInfo {
                name: name.clone(),
                subject: subject.clone(),
                queue_group: queue_group.to_string(),
                metadata: config.metadata.clone(),
            });
            running
                .endpoint_builder()
                .name(&name)
                .queue_group(queue_group)
                .metadata(config.metadata.into_iter().collect())
        };
        let added = builder.add(&subject).await.map_err(|e| {
            self.forget_endpoint(&name);
            self.inner.client.send_error(e)
        })?;
        // Callers on other connections may send at once: the server must know the endpoint.
        self.inner.client.flush().await?;
        Ok(Endpoint::start(
            added,
            self.inner.client.clone(),
            name,
            subject,
            self.inner.stopping.subscribe(),
        ))
    }

    fn forget_endpoint(&self, name: &str) {
        let mut endpoints = self
            .inner
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        endpoints.retain(|e| e.name != name);
    }

    fn stopped_error(&self) -> Error {
        Error::closed(format!("the service {} is stopped", self.name()))
    }

    /// What `$SRV.INFO` answers for this instance.
    pub fn info(&self) -> ServiceInfo {
        ServiceInfo {
            endpoints: self.endpoint_infos(),
            ..self.inner.info.clone()
        }
    }

    fn endpoint_infos(&self) -> Vec<EndpointInfo> {
        self.inner
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// What `$SRV.STATS` answers for this instance (once stopped: the numbers at the stop).
    pub async fn stats(&self) -> ServiceStats {
        let mut numbers = match self.inner.running.lock().await.as_ref() {
            Some(running) => running.stats().await,
            None => self
                .inner
                .final_stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        };
        let info = &self.inner.info;
        ServiceStats {
            kind: wire::STATS_TYPE.to_string(),
            name: info.name.clone(),
            id: info.id.clone(),
            version: info.version.clone(),
            metadata: info.metadata.clone(),
            started: self.inner.started.clone(),
            endpoints: self
                .endpoint_infos()
                .into_iter()
                .map(|e| {
                    let counted = numbers.remove(&e.name);
                    endpoint::stats(e, counted)
                })
                .collect(),
        }
    }

    /// Stops answering: discovery ends at once, each endpoint leaves its queue group (the
    /// others in the group take over) and still hands out the requests that had arrived,
    /// then ends. Stopping twice does nothing.
    pub async fn stop(&self) -> Result<()> {
        let mut slot = self.inner.running.lock().await;
        let Some(running) = slot.take() else {
            return Ok(());
        };
        *self
            .inner
            .final_stats
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = running.stats().await;
        drop(slot);
        self.inner.stopping.send_replace(true);
        running
            .stop()
            .await
            .map_err(|e| self.inner.client.send_error(e))?;
        // Every endpoint task unsubscribes, then drops its receiver.
        self.inner.stopping.closed().await;
        self.inner.client.flush().await
    }
}

/// A subject prefix (and queue group) shared by the endpoints added through it.
#[derive(Debug, Clone)]
pub struct Group {
    service: Service,
    prefix: String,
    queue_group: String,
}

impl Group {
    fn new(
        service: Service,
        prefix: String,
        queue: Option<&str>,
        inherited: &str,
    ) -> Result<Group> {
        subject::validate_subscribe(&prefix).map_err(|e| e.context("group"))?;
        if let Some(q) = queue {
            subject::validate_queue_group(q)?;
        }
        Ok(Group {
            service,
            prefix,
            queue_group: queue.unwrap_or(inherited).to_string(),
        })
    }

    /// The subject prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Adds an endpoint listening on `prefix.subject`.
    pub async fn endpoint(&self, config: EndpointConfig) -> Result<Endpoint> {
        self.service
            .add_endpoint(Some(&self.prefix), &self.queue_group, config)
            .await
    }

    /// A nested group (`prefix.inner`), inheriting this group's queue group unless set.
    pub fn group(&self, prefix: &str, queue_group: Option<&str>) -> Result<Group> {
        Group::new(
            self.service.clone(),
            format!("{}.{prefix}", self.prefix),
            queue_group,
            &self.queue_group,
        )
    }
}

/// `INVALID_ARGUMENT` for a bad service or endpoint setting.
fn invalid(what: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InvalidArgument, format!("{what}: {why}"))
}
