//! Services (micro), pull-style: `natskit_service` (discovery answers run on natskit's
//! threads, never calling C), `natskit_endpoint_next` hands the caller each request and
//! `natskit_service_request_respond`/`_respond_error` answer it.

use std::ffi::{c_char, c_void, CString};
use std::sync::{Mutex, MutexGuard, OnceLock};

use natskit::service::{discovery, Endpoint, Request};
use natskit::units::HostJson;
use natskit::{EndpointConfig, Error, ErrorCode, Result, Service, ServiceConfig, Unit};

use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::message::lend;
use crate::panic::{guard, guard_value};
use crate::timeout::Timeout;

/// A running service (opaque).
pub struct natskit_service {
    service: Service,
    unit: Unit,
    id: CString,
}

/// One endpoint's requests (opaque). One thread at a time may receive from it.
pub struct natskit_endpoint {
    endpoint: Mutex<Endpoint>,
}

/// A request to an endpoint (opaque), answered once.
pub struct natskit_service_request {
    request: Request,
    subject: OnceLock<CString>,
    headers_json: OnceLock<CString>,
}

/// Starts a service from `config_json`: `{"name", "version", "description", "metadata",
/// "queue_group"}` (name of letters, digits, `-`, `_`; a semantic version; queue group `q`
/// unless set). Free it with `natskit_service_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_add(
    client: *const natskit_client,
    config_json: *const c_char,
    service_out: *mut *mut natskit_service,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let slot = ffi::out(service_out, "service_out")?;
        let config: ServiceConfig = ffi::json_arg(config_json, "config_json")?
            .ok_or_else(|| ffi::invalid("config_json is NULL".into()))?;
        let service = ffi::block_on(c.client.add_service(config))?;
        let id = ffi::lent_string(service.id(), "id")?;
        *slot = ffi::into_handle(natskit_service {
            service,
            unit: c.unit(),
            id,
        });
        Ok(())
    })
}

/// Adds an endpoint from `config_json`: `{"subject", "name", "queue_group", "metadata"}`;
/// with `group` (NULL for none) its subject is `group.subject`. Free it with
/// `natskit_endpoint_free`.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_add_endpoint(
    service: *const natskit_service,
    group: *const c_char,
    config_json: *const c_char,
    endpoint_out: *mut *mut natskit_endpoint,
) -> natskit_status {
    guard(|| {
        let s = ffi::handle(service, "service")?;
        let slot = ffi::out(endpoint_out, "endpoint_out")?;
        let group = ffi::optional_text(group, "group")?;
        let config: EndpointConfig = ffi::json_arg(config_json, "config_json")?
            .ok_or_else(|| ffi::invalid("config_json is NULL".into()))?;
        let endpoint = match group {
            Some(prefix) => {
                let group = s.service.group(prefix, None)?;
                ffi::block_on(group.endpoint(config))?
            }
            None => ffi::block_on(s.service.endpoint(config))?,
        };
        *slot = ffi::into_handle(natskit_endpoint {
            endpoint: Mutex::new(endpoint),
        });
        Ok(())
    })
}

/// This instance's id (lent until the service is freed).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_id(
    service: *const natskit_service,
    id_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(service, id_out, |s| Ok(s.id.as_ptr()))
}

/// What `$SRV.INFO` answers, as JSON (release with `natskit_string_free`).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_info_json(
    service: *const natskit_service,
    json_out: *mut *mut c_char,
) -> natskit_status {
    ffi::getter!(service, json_out, |s| ffi::owned_json(&s.service.info()))
}

/// What `$SRV.STATS` answers, as JSON with durations in the client's unit (milliseconds
/// unless set otherwise; release with `natskit_string_free`).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_stats_json(
    service: *const natskit_service,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let s = ffi::handle(service, "service")?;
        ffi::answer_json!(json_out, async { s.service.stats().await.to_host(s.unit) })
    })
}

/// Stops the service: discovery ends, endpoints leave their queue group, requests that had
/// arrived are still handed out, then `natskit_endpoint_next` returns `NATSKIT_STATUS_CLOSED`.
/// Stopping twice does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_stop(service: *const natskit_service) -> natskit_status {
    ffi::call!(service, |s| s.service.stop())
}

/// Frees the service handle (a service not stopped stops answering). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_free(service: *mut natskit_service) {
    guard_value((), || ffi::free_handle(service))
}

/// Asks running services: `verb` is `"PING"`, `"INFO"` or `"STATS"`; `name` and `id` (NULL
/// for any) narrow it; answers are collected up to `wait_ms` (`NATSKIT_TIMEOUT_DEFAULT`: 1 s;
/// sooner once they stop coming). `*json_out` is a JSON array (durations in the client's unit;
/// release with `natskit_string_free`).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_discover(
    client: *const natskit_client,
    verb: *const c_char,
    name: *const c_char,
    id: *const c_char,
    wait_ms: i64,
    json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let c = ffi::handle(client, "client")?;
        let verb = ffi::text(verb, "verb")?;
        let target = discovery::Target {
            name: ffi::optional_text(name, "name")?,
            id: ffi::optional_text(id, "id")?,
            wait: match Timeout::from_c(wait_ms, "wait_ms")? {
                Timeout::Default => None,
                Timeout::Within(d) => Some(d),
                Timeout::NoWait | Timeout::Forever => {
                    return Err(ffi::invalid(
                        "wait_ms: discovery needs a wait; pass NATSKIT_TIMEOUT_DEFAULT or milliseconds above 0".into(),
                    ))
                }
            },
        };
        let client = &c.client;
        match verb {
            "PING" => ffi::answer_json!(json_out, discovery::ping(client, target)),
            "INFO" => ffi::answer_json!(json_out, discovery::info(client, target)),
            "STATS" => ffi::answer_json!(json_out, async {
                let found = discovery::stats(client, target).await?;
                found
                    .iter()
                    .map(|s| s.to_host(c.unit()))
                    .collect::<Result<Vec<_>>>()
            }),
            other => Err(ffi::invalid(format!(
                "verb {other:?} is not \"PING\", \"INFO\" or \"STATS\""
            ))),
        }
    })
}

impl natskit_endpoint {
    fn take(&self) -> Result<MutexGuard<'_, Endpoint>> {
        self.endpoint.try_lock().map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "the endpoint is in use by another thread; receive from one thread at a time",
            )
        })
    }
}

/// Waits up to `timeout_ms` (`NATSKIT_FOREVER`, or `NATSKIT_NO_WAIT` and
/// `NATSKIT_TIMEOUT_DEFAULT` = only what has arrived) for the next request.
/// `NATSKIT_STATUS_TIMEOUT` when none came, `NATSKIT_STATUS_CLOSED` once the service stopped
/// and every request that had arrived was handed out.
#[no_mangle]
pub unsafe extern "C" fn natskit_endpoint_next(
    endpoint: *const natskit_endpoint,
    timeout_ms: i64,
    request_out: *mut *mut natskit_service_request,
) -> natskit_status {
    guard(|| {
        let e = ffi::handle(endpoint, "endpoint")?;
        let timeout = Timeout::from_c(timeout_ms, "timeout_ms")?.receive();
        let slot = ffi::out(request_out, "request_out")?;
        let mut endpoint = e.take()?;
        let received = match endpoint.try_next()? {
            Some(r) => Some(r),
            None if timeout.is_some_and(|t| t.is_zero()) => None,
            None => ffi::block_on(endpoint.next_timeout(timeout))?,
        };
        let request = received.ok_or_else(|| {
            Error::new(
                ErrorCode::Timeout,
                format!("no request within {timeout_ms} ms"),
            )
        })?;
        *slot = ffi::into_handle(natskit_service_request {
            request,
            subject: OnceLock::new(),
            headers_json: OnceLock::new(),
        });
        Ok(())
    })
}

/// Frees the endpoint handle (it leaves its queue group). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_endpoint_free(endpoint: *mut natskit_endpoint) {
    guard_value((), || ffi::free_handle(endpoint))
}

/// The subject the request was sent to (lent until the request is freed).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_request_subject(
    request: *const natskit_service_request,
    subject_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(request, subject_out, |r| {
        lend(&r.subject, || {
            ffi::lent_string(r.request.subject(), "subject")
        })
    })
}

/// The payload: `*data_out` points at `*len_out` bytes until the request is freed (NULL
/// when empty).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_request_data(
    request: *const natskit_service_request,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> natskit_status {
    ffi::lend_bytes!(request, data_out, len_out, |r| r.request.data())
}

/// Every header as JSON, `{"Name": ["v1"]}` (lent until the request is freed).
#[no_mangle]
pub unsafe extern "C" fn natskit_service_request_headers_json(
    request: *const natskit_service_request,
    json_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(request, json_out, |r| {
        lend(&r.headers_json, || {
            ffi::lent_string(
                &r.request.message().headers().to_json().to_string(),
                "headers",
            )
        })
    })
}

/// Answers with `len` bytes at `data` and optional headers as JSON (NULL for none). A
/// second answer is `NATSKIT_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_request_respond(
    request: *const natskit_service_request,
    headers_json: *const c_char,
    data: *const c_void,
    len: usize,
) -> natskit_status {
    guard(|| {
        let r = ffi::handle(request, "request")?;
        let headers = ffi::headers(headers_json)?;
        let data = ffi::payload(r.request.message().client(), data, len)?;
        ffi::block_on(
            r.request
                .respond_with(data.to_vec().into(), headers.as_ref()),
        )
    })
}

/// Answers with an error: `description` (one line) and `code` in the `Nats-Service-Error`
/// and `Nats-Service-Error-Code` headers; the endpoint counts it in its stats.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_request_respond_error(
    request: *const natskit_service_request,
    code: u32,
    description: *const c_char,
) -> natskit_status {
    guard(|| {
        let r = ffi::handle(request, "request")?;
        let description = ffi::text(description, "description")?;
        ffi::block_on(r.request.respond_error(code, description))
    })
}

/// Frees the request (unanswered, its caller times out). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_service_request_free(request: *mut natskit_service_request) {
    guard_value((), || ffi::free_handle(request))
}
