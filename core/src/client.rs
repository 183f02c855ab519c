//! A connection to NATS: publish, subscribe, request/reply, flush, drain, close, stats, events.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;

use async_nats::{ConnectErrorKind, RequestErrorKind};
use bytes::Bytes;
use futures::future::Either;
use futures::{FutureExt, TryFutureExt};
use serde::{Deserialize, Serialize};

use crate::config::{
    parse_server, url_credentials, without_credentials, ConnectionConfig, UrlCredentials,
};
use crate::error::{human_bytes, Error, ErrorCode, Result};
use crate::events::{Event, EventHub, EventStream};
use crate::headers::Headers;
use crate::message::Message;
use crate::outbox::{Full, Outbox, Outgoing};
use crate::runtime;
use crate::subject;
use crate::subscription::Subscription;

/// Extra settings of one publish.
#[derive(Debug, Default, Clone, Copy)]
pub struct PublishOptions<'a> {
    /// Headers to send.
    pub headers: Option<&'a Headers>,
    /// Reply subject for the receiver to answer on.
    pub reply: Option<&'a str>,
}

/// Extra settings of one request.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestOptions<'a> {
    /// Headers to send.
    pub headers: Option<&'a Headers>,
    /// How long to wait for the reply; `None` uses the connection's `request_timeout`.
    pub timeout: Option<Duration>,
}

/// Counters of one connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Messages received.
    pub in_msgs: u64,
    /// Messages sent.
    pub out_msgs: u64,
    /// Payload bytes received.
    pub in_bytes: u64,
    /// Payload bytes sent.
    pub out_bytes: u64,
    /// Successful reconnects.
    pub reconnects: u64,
    /// Messages dropped by slow subscriptions.
    pub dropped: u64,
}

/// A connection to NATS. Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    nats: async_nats::Client,
    hub: Arc<EventHub>,
    config: ConnectionConfig,
    request_timeout: Duration,
    generation: u64,
    outbox: Arc<Outbox>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("servers", &self.inner.config.servers_for_display())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Client {
    /// Connects with the given settings.
    pub async fn connect(config: &ConnectionConfig) -> Result<Client> {
        config.validate()?;
        let generation = runtime::fork_generation();
        let hub = Arc::new(EventHub::default());
        let options = connect_options(config, hub.clone())?;
        let servers = config
            .server_urls()
            .iter()
            .map(|u| parse_server(&without_credentials(u)))
            .collect::<Result<Vec<_>>>()?;
        let nats = first_connection(config, options, &hub, servers).await?;
        Ok(Client {
            inner: Arc::new(Inner {
                nats,
                hub,
                request_timeout: config.request_timeout()?,
                config: config.clone(),
                generation,
                outbox: Arc::default(),
            }),
        })
    }

    /// The settings this client was made with.
    pub fn config(&self) -> &ConnectionConfig {
        &self.inner.config
    }

    /// The underlying async-nats client, for what natskit does not wrap.
    pub fn nats(&self) -> &async_nats::Client {
        &self.inner.nats
    }

    /// The configured server URL this connection is on, credentials hidden: the one with the
    /// port the server announces (else the server's own `host:port`).
    pub fn connected_url(&self) -> String {
        let info = self.inner.nats.server_info();
        let urls = self.config().server_urls();
        let on_port: Vec<&String> = urls
            .iter()
            .filter(|url| parse_server(url).is_ok_and(|addr| addr.port() == info.port))
            .collect();
        match on_port.as_slice() {
            [url] => crate::config::redact_url(url),
            _ => format!("{}:{}", info.host, info.port),
        }
    }

    /// The largest payload (headers included) the server accepts.
    pub fn max_payload(&self) -> usize {
        self.inner.nats.max_payload()
    }

    /// True once closed or drained.
    pub fn is_closed(&self) -> bool {
        self.inner.hub.closed.load(Ordering::SeqCst)
    }

    /// Publishes `payload` to `subject`.
    ///
    /// The checks run before the future is returned; the future itself is async-nats' own
    /// (no extra state machine on this hot path) unless staged publishes are still being
    /// handed over, which it waits for first.
    pub fn publish<'a>(
        &'a self,
        subject: &str,
        payload: impl Into<Bytes>,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        let payload = payload.into();
        if self.inner.outbox.busy() {
            let subject = subject.to_string();
            let after_staged = async move {
                self.settle_staged().await;
                self.send_with(&subject, payload, &PublishOptions::default())
                    .await
            };
            return Either::Left(after_staged.boxed());
        }
        Either::Right(
            match self.prepare_publish(subject, payload.len(), &PublishOptions::default(), true) {
                Err(e) => Either::Left(futures::future::ready(Err(e))),
                Ok(subject) => Either::Right(
                    self.inner
                        .nats
                        .publish(subject, payload)
                        .map_err(move |e| self.send_error(e)),
                ),
            },
        )
    }

    /// Stages a publish for a caller that must not wait (see [`crate::outbox`]): every check
    /// of [`Client::check_publish`] runs now and fails at once; a runtime task then hands it
    /// to the connection, after everything staged before. Never waits, even when the outbox
    /// is over [`crate::outbox::STAGED_LIMIT`]: blocking hosts use [`Client::publish_staged`].
    pub fn stage_publish(
        &self,
        subject: &str,
        payload: Bytes,
        opts: &PublishOptions<'_>,
    ) -> Result<()> {
        self.stage(subject, payload, opts).map(drop)
    }

    /// [`Client::stage_publish`] for a blocking host's thread (never a runtime worker):
    /// returns at once unless the outbox is over its limit, then blocks until it was handed
    /// over.
    pub fn publish_staged(
        &self,
        subject: &str,
        payload: Bytes,
        opts: &PublishOptions<'_>,
    ) -> Result<()> {
        runtime::check_blocking()?;
        if self.stage(subject, payload, opts)? {
            runtime::block_on(self.inner.outbox.handed_over(self))?;
        }
        Ok(())
    }

    /// Stages several messages in order, all or none: when one fails its checks, none is
    /// staged and the error names its index.
    pub fn stage_publish_many<'s>(
        &self,
        messages: impl IntoIterator<Item = (&'s str, Bytes)>,
    ) -> Result<()> {
        self.stage_many(messages).map(drop)
    }

    /// [`Client::stage_publish_many`] for a blocking host's thread (blocks as
    /// [`Client::publish_staged`]).
    pub fn publish_many_staged<'s>(
        &self,
        messages: impl IntoIterator<Item = (&'s str, Bytes)>,
    ) -> Result<()> {
        runtime::check_blocking()?;
        if self.stage_many(messages)? {
            runtime::block_on(self.inner.outbox.handed_over(self))?;
        }
        Ok(())
    }

    /// Stages one message; true when the outbox is over its limit.
    fn stage(&self, subject: &str, payload: Bytes, opts: &PublishOptions<'_>) -> Result<bool> {
        let outbox = &self.inner.outbox;
        outbox.take_refused()?;
        let subject = self.prepare_publish(subject, payload.len(), opts, false)?;
        let item = match (opts.headers, opts.reply) {
            (None, None) => Outgoing::Plain { subject, payload },
            (headers, reply) => Outgoing::Full(Box::new(Full {
                subject,
                payload,
                headers: headers.cloned(),
                reply: reply.map(str::to_string),
            })),
        };
        Ok(outbox.push(self, [item]))
    }

    fn stage_many<'s>(&self, messages: impl IntoIterator<Item = (&'s str, Bytes)>) -> Result<bool> {
        let outbox = &self.inner.outbox;
        outbox.take_refused()?;
        let none = PublishOptions::default();
        let items = messages
            .into_iter()
            .enumerate()
            .map(|(i, (subject, payload))| {
                let subject = self
                    .prepare_publish(subject, payload.len(), &none, false)
                    .map_err(|e| e.context(format_args!("message {i}")))?;
                Ok(Outgoing::Plain { subject, payload })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(outbox.push(self, items))
    }

    /// Waits until everything staged so far was handed to the connection.
    pub(crate) async fn settle_staged(&self) {
        self.inner.outbox.handed_over(self).await;
    }

    /// Hands a staged plain publish (checked when staged) to the connection.
    pub(crate) async fn send_plain(
        &self,
        subject: async_nats::Subject,
        payload: Bytes,
    ) -> Result<()> {
        self.admit_offline(subject.len() + payload.len(), true)?;
        self.inner
            .nats
            .publish(subject, payload)
            .await
            .map_err(|e| self.send_error(e))
    }

    /// Publishes a value as JSON.
    pub async fn publish_json<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        value: &T,
    ) -> Result<()> {
        let payload = serde_json::to_vec(value)?;
        self.publish(subject, payload).await
    }

    /// Publishes with headers and/or a reply subject.
    pub async fn publish_with(
        &self,
        subject: &str,
        payload: Bytes,
        opts: &PublishOptions<'_>,
    ) -> Result<()> {
        self.settle_staged().await;
        self.send_with(subject, payload, opts).await
    }

    /// `publish_with` without waiting for staged publishes (the outbox's own sends).
    pub(crate) async fn send_with(
        &self,
        subject: &str,
        payload: Bytes,
        opts: &PublishOptions<'_>,
    ) -> Result<()> {
        let subject = self.prepare_publish(subject, payload.len(), opts, true)?;
        let nats = &self.inner.nats;
        let sent = match (opts.headers, opts.reply) {
            (None, None) => nats.publish(subject, payload).await,
            (None, Some(r)) => {
                nats.publish_with_reply(subject, r.to_string(), payload)
                    .await
            }
            (Some(h), None) => {
                nats.publish_with_headers(subject, h.to_header_map()?, payload)
                    .await
            }
            (Some(h), Some(r)) => {
                nats.publish_with_reply_and_headers(
                    subject,
                    r.to_string(),
                    h.to_header_map()?,
                    payload,
                )
                .await
            }
        };
        sent.map_err(|e| self.send_error(e))
    }

    /// Checks a publish without sending it: the connection is open, `subject` (and the reply,
    /// if any) are valid publish subjects and `payload_len` plus the headers fit the server's
    /// max payload, and while disconnected the reconnect buffer has room for it. Hosts that
    /// queue publishes and send them later call this first, so these errors still reach the
    /// caller at once; `publish_with` runs the same checks.
    pub fn check_publish(
        &self,
        subject: &str,
        payload_len: usize,
        opts: &PublishOptions<'_>,
    ) -> Result<()> {
        self.prepare_publish(subject, payload_len, opts, false)
            .map(drop)
    }

    /// `check_publish`, returning the subject ready to send; `hold` counts the publish in the
    /// reconnect buffer while disconnected.
    fn prepare_publish(
        &self,
        subject: &str,
        payload_len: usize,
        opts: &PublishOptions<'_>,
        hold: bool,
    ) -> Result<async_nats::Subject> {
        self.check_open()?;
        let checked = subject::checked_publish_subject(subject)?;
        if let Some(reply) = opts.reply {
            subject::validate_publish(reply).map_err(|e| e.context("reply"))?;
        }
        if let Some(headers) = opts.headers {
            headers.validate()?;
        }
        self.check_size(payload_len, opts.headers)?;
        let size = subject.len() + opts.reply.map_or(0, str::len) + payload_len;
        self.admit_offline(size + opts.headers.map_or(0, header_block_len), hold)?;
        Ok(checked)
    }

    /// While disconnected, admits `size` bytes into the reconnect buffer (`CONNECT` when full).
    fn admit_offline(&self, size: usize, hold: bool) -> Result<()> {
        let limit = self.inner.config.reconnect_buffer_size;
        self.inner
            .hub
            .offline
            .admit(size, limit, hold)
            .map_err(|e| {
                let servers = self.inner.config.servers_for_display().join(", ");
                e.context(format_args!("disconnected from {servers}"))
            })
    }

    /// Returns once everything published before (staged publishes included) has reached the
    /// server (a PING/PONG-like round trip), not merely left the local buffer.
    pub async fn flush(&self) -> Result<()> {
        let refused = self.hand_over_staged().await;
        refused.and(self.flush_sent().await)
    }

    /// Hands everything staged to the connection; the staged publishes it refused as an error.
    async fn hand_over_staged(&self) -> Result<()> {
        self.settle_staged().await;
        self.inner.outbox.take_refused()
    }

    /// `flush` of what was handed to the connection.
    async fn flush_sent(&self) -> Result<()> {
        self.check_open()?;
        // While reconnecting, async-nats holds a flush until the server is back: bound it.
        tokio::time::timeout(self.inner.request_timeout, self.inner.nats.flush())
            .await
            .map_err(|_| {
                Error::timeout(format!(
                    "flush: the server did not confirm within {} ms (is it reachable?)",
                    self.inner.request_timeout.as_millis()
                ))
            })?
            .map_err(|e| self.send_error(e))?;
        // A request to a subject nobody listens on is answered by the server itself
        // (503 no responders) after it has processed everything sent before it.
        let probe = async_nats::Request::new().timeout(Some(self.inner.request_timeout));
        match self
            .inner
            .nats
            .send_request(self.inner.nats.new_inbox(), probe)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == RequestErrorKind::NoResponders => Ok(()),
            Err(e) if e.kind() == RequestErrorKind::TimedOut => Err(Error::timeout(format!(
                "flush: no answer from the server within {} ms",
                self.inner.request_timeout.as_millis()
            ))),
            Err(e) => Err(self.send_error(e)),
        }
    }

    /// Sends a request and waits for the first reply.
    pub async fn request(&self, subject: &str, payload: impl Into<Bytes>) -> Result<Message> {
        self.request_with(subject, payload.into(), &RequestOptions::default())
            .await
    }

    /// Sends a request with headers and/or a timeout.
    pub async fn request_with(
        &self,
        subject: &str,
        payload: Bytes,
        opts: &RequestOptions<'_>,
    ) -> Result<Message> {
        self.check_open()?;
        subject::validate_publish(subject)?;
        self.check_size(payload.len(), opts.headers)?;
        self.settle_staged().await;
        let headers = opts.headers.map_or(0, header_block_len);
        self.admit_offline(subject.len() + payload.len() + headers, true)?;
        let timeout = opts.timeout.unwrap_or(self.inner.request_timeout);
        let mut request = async_nats::Request::new()
            .payload(payload)
            .timeout(Some(timeout));
        if let Some(h) = opts.headers {
            request = request.headers(h.to_header_map()?);
        }
        match self
            .inner
            .nats
            .send_request(subject.to_string(), request)
            .await
        {
            Ok(m) => Ok(Message::new(m, self.clone())),
            Err(e) => Err(match e.kind() {
                RequestErrorKind::NoResponders => Error::new(
                    ErrorCode::NoResponders,
                    format!("no responders for {subject}"),
                ),
                RequestErrorKind::TimedOut => Error::timeout(format!(
                    "request to {subject} timed out after {} ms",
                    timeout.as_millis()
                )),
                _ => self.send_error(e),
            }),
        }
    }

    /// Subscribes to `subject` (wildcards allowed), optionally in a queue group.
    pub async fn subscribe(&self, subject: &str, queue: Option<&str>) -> Result<Subscription> {
        self.check_open()?;
        subject::validate_subscribe(subject)?;
        let nats = &self.inner.nats;
        let sub = match queue {
            Some(q) => {
                subject::validate_queue_group(q)?;
                nats.queue_subscribe(subject.to_string(), q.to_string())
                    .await
            }
            None => nats.subscribe(subject.to_string()).await,
        }
        .map_err(|e| self.send_error(e))?;
        Ok(Subscription::new(sub, self.clone(), subject, queue))
    }

    /// Counters since the connection was made.
    pub fn stats(&self) -> Stats {
        let s = self.inner.nats.statistics();
        Stats {
            in_msgs: s.in_messages.load(Ordering::Relaxed),
            out_msgs: s.out_messages.load(Ordering::Relaxed),
            in_bytes: s.in_bytes.load(Ordering::Relaxed),
            out_bytes: s.out_bytes.load(Ordering::Relaxed),
            reconnects: self.inner.hub.reconnects.load(Ordering::Relaxed),
            dropped: self.inner.hub.dropped.load(Ordering::Relaxed),
        }
    }

    /// The oldest connection event not yet taken, if any.
    pub fn poll_event(&self) -> Option<Event> {
        self.inner.hub.poll()
    }

    /// Waits for the next connection event.
    pub async fn next_event(&self) -> Event {
        self.inner.hub.next().await
    }

    /// Every connection event from now on, in order; the stream ends after `Closed` (at once
    /// when the connection is already closed). Independent of `poll_event`'s queue.
    pub fn events(&self) -> EventStream {
        self.inner.hub.stream()
    }

    /// Calls `callback` with every connection event from now on, in order, from a task on the
    /// current tokio runtime (the shared one outside a runtime), up to and including `Closed`.
    /// It runs on a runtime worker: it must return quickly and never block.
    pub fn on_event(&self, mut callback: impl FnMut(Event) + Send + 'static) {
        let mut events = self.events();
        let task = async move {
            while let Some(event) = events.next().await {
                callback(event);
            }
        };
        drop(runtime::spawn(task));
    }

    /// Drains every subscription (buffered messages are still delivered), flushes
    /// and closes the connection.
    pub async fn drain(&self) -> Result<()> {
        let refused = self.hand_over_staged().await;
        refused.and(self.drain_within(Duration::from_secs(10)).await)
    }

    /// `drain`, waiting at most `wait` for the connection to close.
    async fn drain_within(&self, wait: Duration) -> Result<()> {
        if self.is_closed() {
            return Ok(());
        }
        self.inner
            .nats
            .drain()
            .await
            .map_err(|e| Error::closed(format!("drain: {e}")))?;
        tokio::time::timeout(wait, self.inner.hub.wait_closed())
            .await
            .map_err(|_| {
                Error::timeout(format!(
                    "close: the connection did not close within {} ms",
                    wait.as_millis()
                ))
            })
    }

    /// Flushes everything published so far (confirmed by the server) and closes.
    /// Closing a closed client does nothing.
    pub async fn close(&self) -> Result<()> {
        let refused = self.hand_over_staged().await;
        if self.is_closed() {
            return refused;
        }
        let flushed = self.flush_sent().await;
        // A server that did not confirm the flush will not confirm a drain either.
        let wait = match flushed {
            Ok(()) => Duration::from_secs(10),
            Err(_) => self.inner.request_timeout,
        };
        let drained = self.drain_within(wait).await;
        refused.and(drained).and(flushed)
    }

    pub(crate) fn hub(&self) -> &EventHub {
        &self.inner.hub
    }

    pub(crate) fn generation(&self) -> u64 {
        self.inner.generation
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        runtime::check_generation(self.inner.generation)?;
        if self.is_closed() {
            return Err(Error::closed("the connection is closed"));
        }
        Ok(())
    }

    /// `PAYLOAD_TOO_LARGE` when `len` bytes (without headers) exceed the server's
    /// `max_payload`: hosts call it before they copy a caller's buffer.
    pub fn check_payload_len(&self, len: usize) -> Result<()> {
        self.check_size(len, None)
    }

    pub(crate) fn check_size(&self, payload: usize, headers: Option<&Headers>) -> Result<()> {
        let max = self.max_payload();
        let size = payload.saturating_add(headers.map_or(0, header_block_len));
        if size > max {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "payload {} exceeds server max_payload {}",
                    human_bytes(size),
                    human_bytes(max)
                ),
            ));
        }
        Ok(())
    }

    /// Maps a failure to hand a command to the connection.
    pub(crate) fn send_error(&self, err: impl std::fmt::Display) -> Error {
        if self.is_closed() {
            Error::closed("the connection is closed")
        } else {
            Error::new(ErrorCode::Io, err.to_string())
        }
    }
}

/// Connects to one URL (or a comma-separated list) with default settings.
pub async fn connect(url: &str) -> Result<Client> {
    Client::connect(&ConnectionConfig::for_url(url)).await
}

/// The size of the header block on the wire (`NATS/1.0\r\n`, one line per value, `\r\n`).
fn header_block_len(headers: &Headers) -> usize {
    10 + headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum::<usize>()
        + 2
}

/// async-nats' per-subscriber buffer: never the one that fills, since each [`Subscription`]
/// empties it at once into its own buffer of `subscription_capacity`, which counts the drops.
const UPSTREAM_CAPACITY: usize = 1 << 24;

fn connect_options(
    config: &ConnectionConfig,
    hub: Arc<EventHub>,
) -> Result<async_nats::ConnectOptions> {
    let mut o = async_nats::ConnectOptions::new()
        .connection_timeout(config.connect_timeout()?)
        .request_timeout(Some(config.request_timeout()?))
        .subscription_capacity(UPSTREAM_CAPACITY)
        .client_capacity(crate::buffer::COMMAND_QUEUE)
        .custom_inbox_prefix(&config.inbox_prefix)
        .skip_subject_validation(true);
    if config.no_echo {
        o = o.no_echo();
    }
    if config.ignore_discovered_servers {
        o = o.ignore_discovered_servers();
    }
    if !config.randomize {
        o = o.retain_servers_order();
    }
    if let Some(name) = &config.name {
        o = o.name(name);
    }
    if let (Some(user), Some(password)) = (&config.user, &config.password) {
        o = o.user_and_password(user.clone(), password.expose().to_string());
    }
    if let Some(token) = &config.token {
        o = o.token(token.expose().to_string());
    }
    let explicit = config.user.is_some() || config.token.is_some();
    match url_credentials(&config.server_urls()).filter(|_| !explicit) {
        Some(UrlCredentials::UserPassword(user, password)) => {
            o = o.user_and_password(user, password.expose().to_string());
        }
        Some(UrlCredentials::Token(token)) => o = o.token(token.expose().to_string()),
        None => {}
    }
    if let Some(seed) = &config.nkey_seed {
        o = o.nkey(seed.expose().to_string());
    }
    if let Some(path) = &config.creds {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("creds: cannot read {path}: {e}")))?;
        o = o
            .credentials(&text)
            .map_err(|e| Error::config(format!("creds: {path}: {e}")))?;
    }
    if let Some(ca) = &config.tls.ca {
        o = o.add_root_certificates(ca.into());
    }
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        o = o.add_client_certificate(cert.into(), key.into());
    }
    if config.tls.required {
        o = o.require_tls(true);
    }
    if config.tls.first {
        o = o.tls_first();
    }
    if let Some(ping) = config.ping_interval()? {
        o = o.ping_interval(ping);
    }
    if let Some(max) = config.reconnect.max_attempts.filter(|m| *m > 0) {
        o = o.max_reconnects(max as usize);
    }
    let never = config.reconnect.max_attempts == Some(0);
    hub.no_reconnect.store(never, Ordering::SeqCst);
    let policy = config.clone();
    let connected = hub.clone();
    o = o.reconnect_delay_callback(move |attempt| {
        if never && connected.ever_connected() {
            Duration::from_secs(u32::MAX.into())
        } else {
            policy.reconnect_delay(attempt)
        }
    });
    o = o.event_callback(move |event| {
        hub.record(event);
        async {}
    });
    Ok(o)
}

/// The first connection: one pass over the servers, or with `retry_on_initial_connect` as many
/// more as `reconnect.max_attempts` allows, `reconnect_delay` apart, while no server answers
/// (refused, unreachable, timed out). Credentials or TLS refused fail at once.
async fn first_connection(
    config: &ConnectionConfig,
    mut options: async_nats::ConnectOptions,
    hub: &Arc<EventHub>,
    servers: Vec<async_nats::ServerAddr>,
) -> Result<async_nats::Client> {
    let mut retries: u64 = 0;
    loop {
        let err = match options.connect(servers.clone()).await {
            Ok(nats) => return Ok(nats),
            Err(err) => err,
        };
        let unreachable = matches!(
            err.kind(),
            ConnectErrorKind::Io | ConnectErrorKind::TimedOut | ConnectErrorKind::Dns
        ) && tls_failure(&cause_of(&err), config).is_none();
        let more = match config.reconnect.max_attempts {
            Some(max) if max >= 0 => retries < max as u64,
            _ => true,
        };
        if !(config.retry_on_initial_connect && unreachable && more) {
            let err = connect_error(err, config);
            return Err(match retries {
                0 => err,
                n => err.context(format_args!("gave up after {} connect attempts", n + 1)),
            });
        }
        retries += 1;
        tokio::time::sleep(config.reconnect_delay(retries as usize + 1)).await;
        options = connect_options(config, hub.clone())?;
    }
}

fn connect_error(err: async_nats::ConnectError, config: &ConnectionConfig) -> Error {
    let servers = config
        .server_urls()
        .iter()
        .map(|u| host_port(u))
        .collect::<Vec<_>>()
        .join(", ");
    match err.kind() {
        ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
            let who = match (&config.user, &config.token, &config.creds, &config.nkey_seed) {
                (Some(user), ..) => format!(" for user {user:?}"),
                (_, Some(_), ..) => " for the token".to_string(),
                (_, _, Some(creds), _) => format!(" for creds {creds}"),
                (.., Some(_)) => " for the nkey".to_string(),
                _ => match url_credentials(&config.server_urls()) {
                    Some(UrlCredentials::UserPassword(user, _)) => {
                        format!(" for user {user:?} of the server URL")
                    }
                    Some(UrlCredentials::Token(_)) => " for the token of the server URL".to_string(),
                    None => " (the server requires credentials: set NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS)".to_string(),
                },
            };
            Error::new(
                ErrorCode::Authorization,
                format!("authorization violation{who} at {servers}"),
            )
        }
        ConnectErrorKind::Tls => Error::new(
            ErrorCode::Connect,
            format!("TLS setup for {servers} failed: {}", cause_of(&err)),
        ),
        ConnectErrorKind::ServerParse => Error::config(format!("servers: {err}")),
        ConnectErrorKind::TimedOut => Error::new(
            ErrorCode::Connect,
            format!("connection to {servers} timed out (is nats-server running there?)"),
        ),
        _ => {
            let cause = cause_of(&err);
            if let Some(tls) = tls_failure(&cause, config) {
                return Error::new(ErrorCode::Connect, format!("{servers}: {tls}"));
            }
            let text = cause.to_lowercase();
            let what = if text.contains("refused") {
                "connection refused"
            } else if text.contains("dns") || text.contains("lookup") {
                "cannot resolve"
            } else {
                "cannot connect to"
            };
            Error::new(
                ErrorCode::Connect,
                format!("{what}: {servers} (is nats-server running there?)"),
            )
        }
    }
}

/// The error's own cause, without async-nats' kind ("IO error: ").
fn cause_of(err: &async_nats::ConnectError) -> String {
    use std::error::Error as _;
    err.source()
        .map_or_else(|| err.to_string(), |source| source.to_string())
}

/// A TLS handshake failure said in words, with what to set, from rustls' text
/// (`invalid peer certificate: UnknownIssuer`, `received fatal alert: CertificateRequired`).
fn tls_failure(cause: &str, config: &ConnectionConfig) -> Option<String> {
    let tls = &config.tls;
    if let Some(problem) = cause.strip_prefix("invalid peer certificate: ") {
        let prefix = if tls.ca.is_none() && !tls.required && !tls.first {
            "TLS required by server; "
        } else {
            ""
        };
        let hint = match tls.ca {
            Some(_) => "is tls.ca (NATS_TLS_CA) the CA that signed the server's certificate?",
            None => "set tls.ca (NATS_TLS_CA) to the CA that signed the server's certificate",
        };
        return Some(format!(
            "{prefix}certificate verification failed: {} ({hint})",
            words(problem)
        ));
    }
    if let Some(alert) = cause.strip_prefix("received fatal alert: ") {
        let what = match (alert, tls.cert.is_some()) {
            ("CertificateRequired", _) | ("HandshakeFailure", false) => {
                "the server requires a client certificate (set tls.cert and tls.key, \
                 NATS_TLS_CERT and NATS_TLS_KEY)"
                    .to_string()
            }
            ("BadCertificate" | "UnknownCA" | "CertificateUnknown" | "DecryptError", _) => {
                "the server rejected the client certificate (is it signed by a CA the server \
                 trusts?)"
                    .to_string()
            }
            (other, _) => format!("the server ended the TLS handshake: {}", words(other)),
        };
        return Some(what);
    }
    if cause.contains("expected INFO, got nothing") {
        let hint = if tls.first {
            "is it a NATS server?"
        } else {
            "if it sets tls handshake_first, set tls.first (NATS_TLS_FIRST=1)"
        };
        return Some(format!(
            "the server closed the connection before its INFO ({hint})"
        ));
    }
    let lower = cause.to_lowercase();
    ["tls", "certificate", "handshake", "corrupt message", "peer"]
        .iter()
        .any(|w| lower.contains(w))
        .then(|| format!("TLS handshake failed: {cause}"))
}

/// `UnknownIssuer` as `unknown issuer`.
fn words(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn host_port(url: &str) -> String {
    let rest = url.split("://").last().unwrap_or(url);
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    if rest.contains(':') {
        rest.trim_end_matches('/').to_string()
    } else {
        format!("{}:4222", rest.trim_end_matches('/'))
    }
}
