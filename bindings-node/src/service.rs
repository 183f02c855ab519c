//! Services (micro): `client.addService()`, groups, endpoints read with `next(timeoutMs)` or
//! `for await` (a `handler` option runs on the JavaScript thread, see index.js), requests
//! answered with data or an error, and discovery (`servicePing|Info|Stats`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::Env;
use tokio::sync::Mutex;

use natskit::service::{self as svc, discovery};
use natskit::units::HostJson;

use crate::client::{millis, Client};
use crate::error::Outcome;
use crate::message::RespondOptions;
use crate::payload;
use crate::runtime::{self, Now};

/// `client.addService()` settings.
#[napi(object)]
pub struct ServiceOptions {
    /// Letters, digits, `-` and `_`.
    pub name: String,
    /// A semantic version (`1.0.0`).
    pub version: String,
    pub description: Option<String>,
    pub metadata: Option<HashMap<String, String>>,
    /// The queue group of its endpoints (default `q`).
    pub queue_group: Option<String>,
}

/// `addEndpoint()` settings (a `handler` is taken by index.js).
#[napi(object)]
pub struct EndpointOptions {
    /// The name in INFO and STATS (default: the subject with `-` for `.`).
    pub name: Option<String>,
    /// Its own queue group instead of the group's or service's.
    pub queue_group: Option<String>,
    pub metadata: Option<HashMap<String, String>>,
}

/// `addGroup()` settings.
#[napi(object)]
pub struct GroupOptions {
    /// The queue group of its endpoints (default: the service's).
    pub queue_group: Option<String>,
}

/// Which services discovery asks.
#[napi(object)]
pub struct DiscoveryOptions {
    /// Only services of this name.
    pub name: Option<String>,
    /// Only this instance (needs `name`).
    pub id: Option<String>,
    /// Milliseconds to collect answers (default 1000; ends sooner once they stop coming).
    pub timeout: Option<f64>,
}

fn metadata(map: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

fn endpoint_config(subject: String, options: Option<EndpointOptions>) -> natskit::EndpointConfig {
    let options = options.unwrap_or(EndpointOptions {
        name: None,
        queue_group: None,
        metadata: None,
    });
    natskit::EndpointConfig {
        subject,
        name: options.name,
        queue_group: options.queue_group,
        metadata: metadata(options.metadata),
    }
}

fn stats_json(stats: &svc::ServiceStats) -> natskit::Result<serde_json::Value> {
    stats.to_host(natskit::Unit::Milliseconds)
}

#[napi]
impl Client {
    /// Starts a service answering `$SRV.PING|INFO|STATS`.
    #[napi(catch_unwind, ts_return_type = "Promise<Service>")]
    pub fn add_service<'env>(
        &self,
        env: &'env Env,
        options: ServiceOptions,
    ) -> napi::Result<Now<'env, Outcome<Service>>> {
        crate::error::guard(|| {
            let config = natskit::ServiceConfig {
                name: options.name,
                version: options.version,
                description: options.description,
                metadata: metadata(options.metadata),
                queue_group: options.queue_group,
            };
            let client = self.inner.clone();
            runtime::now_or_later(env, async move {
                Ok(Service {
                    inner: client.add_service(config).await?,
                })
            })
        })
    }

    /// The PING answers of running services (all, one name, or one instance).
    #[napi(catch_unwind, ts_return_type = "Promise<ServicePing[]>")]
    pub fn service_ping<'env>(
        &self,
        env: &'env Env,
        options: Option<DiscoveryOptions>,
    ) -> napi::Result<Now<'env, Outcome<serde_json::Value>>> {
        crate::error::guard(|| discover(env, &self.inner, "PING", options))
    }

    /// The INFO answers of running services (their endpoints).
    #[napi(catch_unwind, ts_return_type = "Promise<ServiceInfo[]>")]
    pub fn service_info<'env>(
        &self,
        env: &'env Env,
        options: Option<DiscoveryOptions>,
    ) -> napi::Result<Now<'env, Outcome<serde_json::Value>>> {
        crate::error::guard(|| discover(env, &self.inner, "INFO", options))
    }

    /// The STATS answers of running services (durations in milliseconds).
    #[napi(catch_unwind, ts_return_type = "Promise<ServiceStats[]>")]
    pub fn service_stats<'env>(
        &self,
        env: &'env Env,
        options: Option<DiscoveryOptions>,
    ) -> napi::Result<Now<'env, Outcome<serde_json::Value>>> {
        crate::error::guard(|| discover(env, &self.inner, "STATS", options))
    }
}

fn discover<'env>(
    env: &'env Env,
    client: &natskit::Client,
    verb: &'static str,
    options: Option<DiscoveryOptions>,
) -> napi::Result<Now<'env, Outcome<serde_json::Value>>> {
    let client = client.clone();
    let options = options.unwrap_or(DiscoveryOptions {
        name: None,
        id: None,
        timeout: None,
    });
    runtime::now_or_later(env, async move {
        let target = discovery::Target {
            name: options.name.as_deref(),
            id: options.id.as_deref(),
            wait: options.timeout.map(millis).transpose()?,
        };
        Ok(match verb {
            "PING" => serde_json::to_value(discovery::ping(&client, target).await?)?,
            "INFO" => serde_json::to_value(discovery::info(&client, target).await?)?,
            _ => serde_json::Value::Array(
                discovery::stats(&client, target)
                    .await?
                    .iter()
                    .map(stats_json)
                    .collect::<natskit::Result<_>>()?,
            ),
        })
    })
}

/// A running service.
#[napi]
pub struct Service {
    inner: natskit::Service,
}

#[napi]
impl Service {
    /// The service name.
    #[napi(catch_unwind, getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// This instance's id.
    #[napi(catch_unwind, getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The semantic version.
    #[napi(catch_unwind, getter)]
    pub fn version(&self) -> String {
        self.inner.version().to_string()
    }

    /// True once `stop()` was called.
    #[napi(catch_unwind, getter)]
    pub fn is_stopped(&self) -> bool {
        self.inner.is_stopped()
    }

    /// What `$SRV.INFO` answers for this instance.
    #[napi(catch_unwind, ts_return_type = "ServiceInfo")]
    pub fn info(&self) -> Outcome<serde_json::Value> {
        crate::error::outcome(|| Ok(serde_json::to_value(self.inner.info())?))
    }

    /// What `$SRV.STATS` answers for this instance (durations in milliseconds).
    #[napi(catch_unwind, ts_return_type = "Promise<ServiceStats>")]
    pub fn stats<'env>(
        &self,
        env: &'env Env,
    ) -> napi::Result<Now<'env, Outcome<serde_json::Value>>> {
        crate::error::guard(|| {
            let inner = self.inner.clone();
            runtime::now_or_later(env, async move { stats_json(&inner.stats().await) })
        })
    }

    /// Adds an endpoint on `subject`.
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, options?: EndpointHandlerOptions",
        ts_return_type = "Promise<Endpoint>"
    )]
    pub fn add_endpoint<'env>(
        &self,
        env: &'env Env,
        subject: String,
        options: Option<EndpointOptions>,
    ) -> napi::Result<Now<'env, Outcome<Endpoint>>> {
        crate::error::guard(|| {
            let (inner, config) = (self.inner.clone(), endpoint_config(subject, options));
            runtime::now_or_later(env, async move {
                Ok(Endpoint::new(inner.endpoint(config).await?))
            })
        })
    }

    /// A group: its endpoints listen on `prefix.<subject>`.
    #[napi(catch_unwind, ts_return_type = "Group")]
    pub fn add_group(&self, prefix: String, options: Option<GroupOptions>) -> Outcome<Group> {
        let queue = options.and_then(|o| o.queue_group);
        crate::error::outcome(|| {
            Ok(Group {
                inner: self.inner.group(&prefix, queue.as_deref())?,
            })
        })
    }

    /// Stops: discovery ends, endpoints leave their queue group, requests that had arrived
    /// are still handed out, then endpoints end. Stopping twice does nothing.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn stop<'env>(&self, env: &'env Env) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let inner = self.inner.clone();
            runtime::now_or_later(env, async move { inner.stop().await })
        })
    }
}

/// Endpoints sharing a subject prefix (and queue group).
#[napi]
pub struct Group {
    inner: svc::Group,
}

#[napi]
impl Group {
    /// The subject prefix.
    #[napi(catch_unwind, getter)]
    pub fn prefix(&self) -> String {
        self.inner.prefix().to_string()
    }

    /// A nested group (`prefix.inner`).
    #[napi(catch_unwind, ts_return_type = "Group")]
    pub fn add_group(&self, prefix: String, options: Option<GroupOptions>) -> Outcome<Group> {
        let queue = options.and_then(|o| o.queue_group);
        crate::error::outcome(|| {
            Ok(Group {
                inner: self.inner.group(&prefix, queue.as_deref())?,
            })
        })
    }

    /// Adds an endpoint on `prefix.subject`.
    #[napi(
        catch_unwind,
        ts_args_type = "subject: string, options?: EndpointHandlerOptions",
        ts_return_type = "Promise<Endpoint>"
    )]
    pub fn add_endpoint<'env>(
        &self,
        env: &'env Env,
        subject: String,
        options: Option<EndpointOptions>,
    ) -> napi::Result<Now<'env, Outcome<Endpoint>>> {
        crate::error::guard(|| {
            let (inner, config) = (self.inner.clone(), endpoint_config(subject, options));
            runtime::now_or_later(env, async move {
                Ok(Endpoint::new(inner.endpoint(config).await?))
            })
        })
    }
}

/// The requests of one endpoint: `next(timeoutMs)` or `for await`.
#[napi]
pub struct Endpoint {
    cell: Arc<Mutex<svc::Endpoint>>,
    name: String,
    subject: String,
}

impl Endpoint {
    fn new(inner: svc::Endpoint) -> Self {
        Endpoint {
            name: inner.name().to_string(),
            subject: inner.subject().to_string(),
            cell: Arc::new(Mutex::new(inner)),
        }
    }
}

#[napi]
impl Endpoint {
    /// The endpoint name.
    #[napi(catch_unwind, getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The full subject it listens on.
    #[napi(catch_unwind, getter)]
    pub fn subject(&self) -> String {
        self.subject.clone()
    }

    /// The next request, or null when `timeoutMs` passes first (omit it to wait forever);
    /// rejects with `CLOSED` once the service stopped and every arrived request was handed out.
    #[napi(catch_unwind, ts_return_type = "Promise<Request | null>")]
    pub fn next<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Now<'env, Outcome<Option<Request>>>> {
        crate::error::guard(|| {
            let cell = self.cell.clone();
            runtime::now_or_later(env, async move {
                let timeout = timeout_ms.map(millis).transpose()?;
                let got = cell.lock().await.next_timeout(timeout).await?;
                Ok(got.map(|r| Request { inner: Arc::new(r) }))
            })
        })
    }
}

/// A request to an endpoint, answered once.
#[napi]
pub struct Request {
    inner: Arc<svc::Request>,
}

#[napi]
impl Request {
    /// The subject it was sent to.
    #[napi(catch_unwind, getter)]
    pub fn subject(&self) -> String {
        self.inner.subject().to_string()
    }

    /// The reply subject.
    #[napi(catch_unwind, getter)]
    pub fn reply(&self) -> Option<String> {
        self.inner.message().reply().map(String::from)
    }

    /// The payload (a copy).
    #[napi(catch_unwind, getter)]
    pub fn data(&self) -> Buffer {
        Buffer::from(self.inner.data())
    }

    /// Every header with all its values, or `undefined` when there are none.
    #[napi(catch_unwind, getter)]
    pub fn headers(&self) -> Option<HashMap<String, Vec<String>>> {
        let all = self.inner.message().headers();
        (!all.is_empty()).then(|| crate::headers::to_js(&all))
    }

    /// The first value of a header, ignoring the name's case.
    #[napi(catch_unwind)]
    pub fn header(&self, name: String) -> Option<String> {
        self.inner.message().header(&name).map(String::from)
    }

    /// The payload as UTF-8 text.
    #[napi(catch_unwind)]
    pub fn string(&self) -> String {
        String::from_utf8_lossy(self.inner.data()).into_owned()
    }

    /// The payload decoded as JSON; `SERIALIZATION` when it is not JSON.
    #[napi(catch_unwind, ts_return_type = "any")]
    pub fn json(&self) -> Outcome<serde_json::Value> {
        crate::error::outcome(|| self.inner.message().json())
    }

    /// Answers with `data` (a second answer is `INVALID_ARGUMENT`).
    #[napi(
        catch_unwind,
        ts_args_type = "data?: Payload, options?: RespondOptions",
        ts_return_type = "Promise<void>"
    )]
    pub fn respond<'env>(
        &self,
        env: &'env Env,
        data: Unknown,
        options: Option<RespondOptions>,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let payload = payload::to_bytes(env, data);
            let headers = options.and_then(|o| o.headers).map(crate::headers::from_js);
            let inner = self.inner.clone();
            runtime::now_or_later(env, async move {
                inner.respond_with(payload?, headers.as_ref()).await
            })
        })
    }

    /// Answers with an error: `description` and `code` in the `Nats-Service-Error` and
    /// `Nats-Service-Error-Code` headers; the endpoint counts it in its stats.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn respond_error<'env>(
        &self,
        env: &'env Env,
        code: u32,
        description: String,
    ) -> napi::Result<Now<'env, Outcome<()>>> {
        crate::error::guard(|| {
            let inner = self.inner.clone();
            runtime::now_or_later(
                env,
                async move { inner.respond_error(code, &description).await },
            )
        })
    }
}
