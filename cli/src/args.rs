//! The command line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// natskit: NATS messaging and JetStream from the command line.
#[derive(Debug, Parser)]
#[command(name = "natskit", version, about)]
pub struct Cli {
    /// Configuration file (TOML or JSON) with named connections; default: NATSKIT_CONFIG or NATS_* variables.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The named connection to use (default: the configuration's default).
    #[arg(long, global = true, value_name = "NAME")]
    pub connection: Option<String>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Connection settings that override the configuration's.
    #[command(flatten)]
    pub connect: ConnectFlags,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Connection flags, as `nats` names them; each overrides the configuration and `NATS_*`.
#[derive(Debug, Args, Default)]
pub struct ConnectFlags {
    /// Server URLs, comma-separated (`nats://host:4222,host2:4222`).
    #[arg(short = 's', long = "server", global = true, value_name = "URLS")]
    pub servers: Option<String>,
    /// User name (with `--password`).
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Password.
    #[arg(long, global = true)]
    pub password: Option<String>,
    /// Token.
    #[arg(long, global = true)]
    pub token: Option<String>,
    /// A `.creds` file (user JWT and seed).
    #[arg(long, global = true, value_name = "FILE")]
    pub creds: Option<String>,
    /// A file holding an NKey seed (`SU…`).
    #[arg(long, global = true, value_name = "FILE")]
    pub nkey: Option<PathBuf>,
    /// CA certificate (PEM) that signed the server's certificate.
    #[arg(long, global = true, value_name = "FILE")]
    pub tls_ca: Option<String>,
    /// Client certificate (PEM), for servers that verify clients.
    #[arg(long, global = true, value_name = "FILE")]
    pub tls_cert: Option<String>,
    /// The client certificate's private key (PEM).
    #[arg(long, global = true, value_name = "FILE")]
    pub tls_key: Option<String>,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage streams.
    #[command(subcommand)]
    Stream(StreamCommand),
    /// Manage consumers.
    #[command(subcommand)]
    Consumer(ConsumerCommand),
    /// JetStream account status.
    #[command(subcommand)]
    Jetstream(JetstreamCommand),
    /// Publish a message.
    Pub(PubArgs),
    /// Subscribe and print messages.
    Sub(SubArgs),
    /// Send a request and print the reply.
    Req(ReqArgs),
    /// Answer requests on a subject with a body or a command's output.
    Reply(ReplyArgs),
    /// Measure the round trip to the server.
    Ping,
    /// Run a local nats-server (JetStream on) in the foreground until Ctrl-C.
    Server(ServerArgs),
    /// Check the connection, JetStream, streams, consumers and queues (Nagios exit codes:
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    Health(HealthArgs),
    /// Measure publish, subscribe, request and JetStream publish rates and latencies.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Job queues: sizes, pushes, failed jobs and a worker.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Key-value buckets: keys, values, history and watch.
    #[command(subcommand)]
    Kv(KvCommand),
    /// Services (micro): list, describe and measure running services.
    #[command(subcommand)]
    Micro(MicroCommand),
    /// Serve a live web page of the connection, its streams, consumers and job queues, with
    /// retry and forget for failed jobs, until Ctrl-C.
    Dashboard(DashboardArgs),
    /// Object store buckets: put and get files, list, info, delete and seal.
    #[command(subcommand)]
    Object(ObjectCommand),
}

/// `natskit dashboard`
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Address to serve on (port 0 picks a free one). Off loopback it needs a token.
    #[arg(long, default_value = "127.0.0.1:8222", value_name = "HOST:PORT")]
    pub listen: std::net::SocketAddr,
    /// Token every request must carry (`Authorization: Bearer TOKEN`, or as the password of
    /// basic auth, so a browser asks for it); default: NATSKIT_DASHBOARD_TOKEN. The global
    /// --token is the NATS server's.
    #[arg(long, value_name = "TOKEN")]
    pub dashboard_token: Option<String>,
    /// Show everything, but hide and refuse retry and forget.
    #[arg(long)]
    pub read_only: bool,
    /// How often to take a new picture, e.g. 500ms or 5s.
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub interval: String,
}

/// `natskit kv ...`
#[derive(Debug, Subcommand)]
pub enum KvCommand {
    /// List buckets, or the keys of BUCKET.
    Ls {
        /// Bucket whose keys to list.
        bucket: Option<String>,
    },
    /// Print a key's current value.
    Get {
        /// Bucket name.
        bucket: String,
        /// The key.
        key: String,
    },
    /// Set a key's value.
    Put {
        /// Bucket name.
        bucket: String,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// Delete a key (its history is kept; --purge removes it too).
    Del {
        /// Bucket name.
        bucket: String,
        /// The key.
        key: String,
        /// Remove the key's history as well.
        #[arg(long)]
        purge: bool,
    },
    /// Print the current values of matching keys, then every change, until --count or Ctrl-C.
    Watch {
        /// Bucket name.
        bucket: String,
        /// One key, a wildcard (user.*) or > for all.
        #[arg(default_value = ">")]
        pattern: String,
        /// Every kept revision first, not only the latest.
        #[arg(long = "history", conflicts_with = "updates_only")]
        include_history: bool,
        /// Skip deletes and purges.
        #[arg(long)]
        ignore_deletes: bool,
        /// Only changes from now on.
        #[arg(long)]
        updates_only: bool,
        /// Exit after this many entries.
        #[arg(long)]
        count: Option<u64>,
    },
    /// Print every kept revision of a key, oldest first.
    History {
        /// Bucket name.
        bucket: String,
        /// The key.
        key: String,
    },
    /// Create a bucket.
    Create {
        /// Bucket name.
        bucket: String,
        /// Revisions kept per key (1-64).
        #[arg(long, default_value_t = 1)]
        history: i64,
        /// Entry lifetime, e.g. 1h (0 = forever).
        #[arg(long, value_name = "DURATION")]
        max_age: Option<String>,
        /// Where entries are stored.
        #[arg(long, value_enum)]
        storage: Option<Storage>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a bucket and every key in it.
    Rm {
        /// Bucket name.
        bucket: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
}

/// `natskit object ...`
#[derive(Debug, Subcommand)]
pub enum ObjectCommand {
    /// Create a bucket.
    Add {
        /// Bucket name.
        bucket: String,
        /// Object lifetime, e.g. 24h (0 = forever).
        #[arg(long, value_name = "DURATION")]
        ttl: Option<String>,
        /// Largest total size in bytes.
        #[arg(long, value_name = "BYTES")]
        max_bucket_size: Option<i64>,
        /// Where objects are stored.
        #[arg(long, value_enum)]
        storage: Option<Storage>,
        /// Replicas in a cluster.
        #[arg(long, default_value_t = 1)]
        replicas: usize,
        /// Compress stored chunks (S2).
        #[arg(long)]
        compress: bool,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Store a file (- for stdin), read a chunk at a time.
    Put {
        /// Bucket name.
        bucket: String,
        /// The file.
        file: String,
        /// Object name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// A header kept with the object, `Name:Value` (repeatable).
        #[arg(short = 'H', long = "header", value_name = "NAME:VALUE")]
        headers: Vec<String>,
    },
    /// Write an object to a file, a chunk at a time, its digest checked.
    Get {
        /// Bucket name.
        bucket: String,
        /// Object name.
        name: String,
        /// Output file (default: the object's file name; - for stdout).
        #[arg(short = 'O', long, value_name = "FILE")]
        output: Option<String>,
    },
    /// List buckets, or the objects of BUCKET.
    Ls {
        /// Bucket whose objects to list.
        bucket: Option<String>,
    },
    /// Show an object's info, or the bucket's without NAME.
    Info {
        /// Bucket name.
        bucket: String,
        /// Object name.
        name: Option<String>,
    },
    /// Delete an object, or the whole bucket without NAME.
    #[command(alias = "rm")]
    Del {
        /// Bucket name.
        bucket: String,
        /// Object name.
        name: Option<String>,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
    /// Print the objects of a bucket, then every put and delete, until --count or Ctrl-C.
    Watch {
        /// Bucket name.
        bucket: String,
        /// Skip deletes.
        #[arg(long)]
        ignore_deletes: bool,
        /// Only changes from now on.
        #[arg(long)]
        updates_only: bool,
        /// Exit after this many changes.
        #[arg(long)]
        count: Option<u64>,
    },
    /// Seal a bucket: it can be read but no longer changed.
    Seal {
        /// Bucket name.
        bucket: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
}

/// `natskit micro ...`
#[derive(Debug, Subcommand)]
pub enum MicroCommand {
    /// List running service instances (name, version, id, description).
    #[command(alias = "list")]
    Ls(MicroArgs),
    /// Show instances with their endpoints and metadata.
    Info(MicroArgs),
    /// Show each endpoint's requests, errors and processing time.
    Stats(MicroArgs),
}

/// Which services to ask, and for how long.
#[derive(Debug, Args)]
pub struct MicroArgs {
    /// Only services of this name.
    pub name: Option<String>,
    /// Only the instance with this id (needs NAME).
    #[arg(requires = "name")]
    pub id: Option<String>,
    /// How long to collect answers, e.g. 500ms (ends sooner once they stop coming).
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub timeout: String,
}

/// `natskit stream ...`
#[derive(Debug, Subcommand)]
pub enum StreamCommand {
    /// List streams (one page).
    List {
        /// Index of the first stream to show.
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// Show a stream's config and state.
    Info {
        /// Stream name.
        stream: String,
    },
    /// Create a stream.
    Create {
        /// Stream name.
        name: String,
        /// Subjects it captures.
        #[arg(required_unless_present_any = ["definition", "mirror"])]
        subjects: Vec<String>,
        /// A stream config in the server's JSON (as `stream info --json` prints its `config`);
        /// NAME, SUBJECTS and the flags given override it.
        #[arg(long, value_name = "FILE")]
        definition: Option<PathBuf>,
        #[command(flatten)]
        settings: StreamSettings,
    },
    /// Print one stored message: by sequence, or the last on a subject.
    Get {
        /// Stream name.
        stream: String,
        /// Stream sequence.
        #[arg(required_unless_present = "last_for")]
        sequence: Option<u64>,
        /// The last message on this subject instead.
        #[arg(long, value_name = "SUBJECT", conflicts_with = "sequence")]
        last_for: Option<String>,
    },
    /// Print stored messages in order, without a consumer; with --follow, through an ordered
    /// consumer that keeps printing new ones as they arrive.
    View {
        /// Stream name.
        stream: String,
        /// First sequence to show (default: the stream's first).
        #[arg(long)]
        from: Option<u64>,
        /// How many messages to show (default 10; with --follow, until interrupted).
        #[arg(long)]
        count: Option<u64>,
        /// Keep printing new messages in order as they are stored (an ordered consumer).
        #[arg(long)]
        follow: bool,
        /// With --follow, only messages on this subject (repeatable, wildcards allowed).
        #[arg(long = "subject", value_name = "SUBJECT", requires = "follow")]
        subjects: Vec<String>,
    },
    /// Change a stream's settings.
    Update {
        /// Stream name.
        stream: String,
        /// Replace the subjects (repeatable).
        #[arg(long = "subject", value_name = "SUBJECT")]
        subjects: Vec<String>,
        #[command(flatten)]
        settings: StreamSettings,
    },
    /// Remove messages from a stream.
    Purge {
        /// Stream name.
        stream: String,
        /// Only messages on this subject.
        #[arg(long)]
        subject: Option<String>,
        /// Keep the newest N messages.
        #[arg(long)]
        keep: Option<u64>,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
    /// Delete a stream with its messages and consumers.
    Delete {
        /// Stream name.
        stream: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
}

/// Stream settings shared by create and update.
#[derive(Debug, Args)]
pub struct StreamSettings {
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Where messages are stored.
    #[arg(long, value_enum)]
    pub storage: Option<Storage>,
    /// When messages are removed.
    #[arg(long, value_enum)]
    pub retention: Option<Retention>,
    /// Most messages kept (-1 = unlimited).
    #[arg(long, allow_hyphen_values = true)]
    pub max_msgs: Option<i64>,
    /// Most bytes kept (-1 = unlimited).
    #[arg(long, allow_hyphen_values = true)]
    pub max_bytes: Option<i64>,
    /// Oldest message kept, e.g. 30s, 15m, 24h, 7d (0 = forever).
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Replicas in a cluster.
    #[arg(long)]
    pub replicas: Option<u64>,
    /// What a full stream does with a new message.
    #[arg(long, value_enum)]
    pub discard: Option<Discard>,
    /// Window in which a repeated `Nats-Msg-Id` is stored once, e.g. 2m.
    #[arg(long, value_name = "DURATION")]
    pub dupe_window: Option<String>,
    /// Let any replica answer direct gets.
    #[arg(long)]
    pub allow_direct: bool,
    /// Allow per-message TTLs (`Nats-TTL`).
    #[arg(long)]
    pub allow_msg_ttl: bool,
    /// Allow scheduled messages (`Nats-Schedule`).
    #[arg(long)]
    pub allow_msg_schedules: bool,
    /// Mirror this stream (a mirror captures no subjects of its own).
    #[arg(long, value_name = "STREAM")]
    pub mirror: Option<String>,
    /// Take messages from this stream too (repeatable).
    #[arg(long = "source", value_name = "STREAM")]
    pub sources: Vec<String>,
}

/// What a full stream discards.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Discard {
    /// The oldest messages make room.
    Old,
    /// New messages are refused.
    New,
}

/// Stream storage.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Storage {
    /// On disk.
    File,
    /// In memory.
    Memory,
}

/// Stream retention.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Retention {
    /// Keep until limits.
    Limits,
    /// Keep while consumers are interested.
    Interest,
    /// Keep until acknowledged once.
    Workqueue,
}

/// Push delivery: given a deliver subject, the consumer pushes messages there.
#[derive(Debug, Args)]
pub struct PushConsumer {
    /// Make it a push consumer delivering to this subject.
    #[arg(long, value_name = "SUBJECT")]
    pub deliver_subject: Option<String>,
    /// Queue group the push consumer's subscribers share.
    #[arg(long, value_name = "GROUP", requires = "deliver_subject")]
    pub deliver_group: Option<String>,
    /// Flow control (needs --heartbeat).
    #[arg(long, requires_all = ["deliver_subject", "heartbeat"])]
    pub flow_control: bool,
    /// Idle heartbeat interval, e.g. 5s.
    #[arg(long, value_name = "DURATION", requires = "deliver_subject")]
    pub heartbeat: Option<String>,
}

/// `natskit consumer ...`
#[derive(Debug, Subcommand)]
pub enum ConsumerCommand {
    /// List a stream's consumers (one page).
    List {
        /// Stream name.
        stream: String,
        /// Index of the first consumer to show.
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// Show a consumer's config and counters.
    Info {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
    },
    /// Create a durable pull consumer.
    Create {
        /// Stream name.
        stream: String,
        /// Consumer name.
        name: String,
        /// Only messages on this subject.
        #[arg(long)]
        filter_subject: Option<String>,
        /// Where delivery starts.
        #[arg(long, value_enum, default_value = "all")]
        deliver_policy: DeliverPolicy,
        /// How messages are acknowledged.
        #[arg(long, value_enum, default_value = "explicit")]
        ack_policy: AckPolicy,
        /// Redelivery delay for unacknowledged messages, e.g. 30s.
        #[arg(long, value_name = "DURATION")]
        ack_wait: Option<String>,
        /// Most delivery attempts (-1 = unlimited).
        #[arg(long, allow_hyphen_values = true)]
        max_deliver: Option<i64>,
        #[command(flatten)]
        push: PushConsumer,
    },
    /// Take messages from a consumer (pull, or push: the rest a push consumer delivered comes
    /// again after its ack wait), print and acknowledge them.
    Next {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
        /// How many messages.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Leave them unacknowledged (they are redelivered after the consumer's ack wait).
        #[arg(long)]
        no_ack: bool,
        /// How long to wait for the first message.
        #[arg(long, default_value = "5s", value_name = "DURATION")]
        timeout: String,
    },
    /// Delete a consumer.
    Delete {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
}

/// Consumer deliver policy.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DeliverPolicy {
    /// From the first message.
    All,
    /// From the last message.
    Last,
    /// Only new messages.
    New,
}

/// Consumer ack policy.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AckPolicy {
    /// No acks.
    None,
    /// Acking one acks all before it.
    All,
    /// Every message is acked.
    Explicit,
}

/// `natskit jetstream ...`
#[derive(Debug, Subcommand)]
pub enum JetstreamCommand {
    /// Account usage and limits.
    Status,
}

/// `natskit pub`
#[derive(Debug, Args)]
pub struct PubArgs {
    /// Subject.
    pub subject: String,
    /// Payload; `-` or none reads it from stdin. `{{Count}}` becomes the message's number.
    pub data: Option<String>,
    /// Header as Name:Value (repeatable).
    #[arg(long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
    /// Publish this many messages.
    #[arg(long, default_value_t = 1)]
    pub count: u64,
    #[command(flatten)]
    pub trace: TraceArgs,
}

/// A W3C trace context to send (`pub`, `req`, `queue push`).
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// W3C traceparent to send, 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>.
    #[arg(long, value_name = "TRACEPARENT")]
    pub traceparent: Option<String>,
    /// W3C tracestate to send with --traceparent.
    #[arg(long, value_name = "TRACESTATE", requires = "traceparent")]
    pub tracestate: Option<String>,
}

impl TraceArgs {
    /// `headers` with the trace context set, when one was given (checked by the core).
    pub fn headers(&self, headers: natskit::Headers) -> natskit::Result<natskit::Headers> {
        let traced = natskit::trace::with_trace(
            Some(headers),
            self.traceparent.as_deref(),
            self.tracestate.as_deref(),
        )?;
        Ok(traced.unwrap_or_default())
    }
}

/// `natskit sub`
#[derive(Debug, Args)]
pub struct SubArgs {
    /// Subject (wildcards allowed).
    pub subject: String,
    /// Queue group.
    #[arg(long)]
    pub queue: Option<String>,
    /// Exit after this many messages.
    #[arg(long)]
    pub count: Option<u64>,
}

/// `natskit health`
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Check that JetStream answers (implied by --stream, --consumer and --queue).
    #[arg(long)]
    pub jetstream: bool,
    /// A stream that must exist (repeatable).
    #[arg(long = "stream", value_name = "NAME")]
    pub streams: Vec<String>,
    /// A consumer that must exist, judged by its lag (repeatable).
    #[arg(long = "consumer", value_name = "STREAM:CONSUMER")]
    pub consumers: Vec<String>,
    /// A queue judged by the age of its oldest waiting job (repeatable).
    #[arg(long = "queue", value_name = "NAME")]
    pub queues: Vec<String>,
    /// Round trip (ms) above which the connection is WARNING.
    #[arg(long, value_name = "MS")]
    pub rtt_warn: Option<f64>,
    /// Round trip (ms) above which the connection is CRITICAL.
    #[arg(long, value_name = "MS")]
    pub rtt_crit: Option<f64>,
    /// Consumer lag (pending + unacknowledged messages) above which it is WARNING.
    #[arg(long, value_name = "N")]
    pub lag_warn: Option<u64>,
    /// Consumer lag above which it is CRITICAL.
    #[arg(long, value_name = "N")]
    pub lag_crit: Option<u64>,
    /// Oldest waiting job age above which a queue is WARNING, e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION")]
    pub age_warn: Option<String>,
    /// Oldest waiting job age above which a queue is CRITICAL.
    #[arg(long, value_name = "DURATION")]
    pub age_crit: Option<String>,
    /// Output: a Nagios line (`text`), the report as JSON (`json`, also `--json`), or
    /// Prometheus text for node_exporter's textfile collector (`prometheus`).
    #[arg(long, value_enum, default_value = "text")]
    pub format: HealthFormat,
}

/// How `natskit health` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HealthFormat {
    /// `OK: connection nats://… in 0.4 ms; …`, then one line per check.
    Text,
    /// The report as JSON.
    Json,
    /// Prometheus text.
    Prometheus,
}

/// `natskit bench ...`
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Publish `--msgs` messages as fast as the connection takes them (default 100,000).
    Pub(BenchArgs),
    /// Receive `--msgs` messages on a subject and time them from the first (default 100,000).
    Sub(BenchArgs),
    /// Sequential requests with latency percentiles (default 10,000).
    Request {
        #[command(flatten)]
        args: BenchArgs,
        /// Answer them with an echo responder of this process (else something must answer).
        #[arg(long)]
        reply: bool,
    },
    /// JetStream publishes, each acknowledged (default 10,000).
    Js {
        #[command(flatten)]
        args: BenchArgs,
        /// Keep up to 256 acks in flight instead of waiting for each.
        #[arg(long)]
        pipelined: bool,
        /// Publish into this existing stream (else a temporary memory stream is made).
        #[arg(long)]
        stream: Option<String>,
    },
}

/// What one benchmark sends.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Subject.
    pub subject: String,
    /// How many messages.
    #[arg(long)]
    pub msgs: Option<u64>,
    /// Payload bytes per message.
    #[arg(long, default_value_t = 128)]
    pub size: usize,
}

/// `natskit reply`
#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// Subject to answer on.
    pub subject: String,
    /// Reply body; `{{Count}}` becomes the request's number. Without it (and without
    /// --command) each request is answered with its own payload.
    pub body: Option<String>,
    /// Answer with the output of `sh -c CMD`, given the request's payload on stdin.
    #[arg(long, value_name = "CMD", conflicts_with = "body")]
    pub command: Option<String>,
    /// Queue group, so several repliers share the requests.
    #[arg(long)]
    pub queue: Option<String>,
    /// Exit after this many requests.
    #[arg(long)]
    pub count: Option<u64>,
}

/// `natskit req`
#[derive(Debug, Args)]
pub struct ReqArgs {
    /// Subject.
    pub subject: String,
    /// Payload.
    pub data: String,
    /// How long to wait for the reply, e.g. 2s.
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub timeout: String,
    #[command(flatten)]
    pub trace: TraceArgs,
}

/// `natskit server`
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Port to listen on (default: a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// JetStream store directory (default: a temporary one).
    #[arg(long, value_name = "DIR")]
    pub jetstream_dir: Option<PathBuf>,
}

/// `natskit queue ...`
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Ready, reserved, delayed and failed jobs of one queue, or of every queue, and where
    /// each queue's stream lives (stream, leader, replicas).
    Size {
        /// Queue name (default: every queue of the connection).
        queue: Option<String>,
    },
    /// Move waiting and delayed jobs from the shared stream to per-queue streams.
    Migrate {
        /// Queue name (default: every queue found in the shared stream).
        queue: Option<String>,
    },
    /// List failed jobs, oldest first.
    Failed {
        /// Only jobs of this queue.
        #[arg(long)]
        queue: Option<String>,
    },
    /// Put failed jobs back onto their queues with attempts reset.
    Retry {
        /// Failed job ids, or `all`.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Delete one failed job.
    Forget {
        /// Failed job id.
        id: String,
    },
    /// Delete every failed job, or those older than `--hours`.
    Flush {
        /// Only jobs that failed more than this many hours ago.
        #[arg(long)]
        hours: Option<f64>,
    },
    /// Push a job.
    Push(PushArgs),
    /// Remove every waiting and delayed job of a queue.
    Clear {
        /// Queue name.
        queue: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        force: bool,
    },
    /// Work jobs with a shell command until stopped (SIGTERM/SIGINT finish the running job).
    Work(WorkArgs),
}

/// `natskit queue push`
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Queue name.
    pub queue: String,
    /// Job name (the handler key).
    pub name: String,
    /// Payload as JSON.
    #[arg(value_name = "JSON")]
    pub payload: String,
    /// Make the job available after this long, e.g. 30 or 5m.
    #[arg(long, value_name = "SECS")]
    pub delay: Option<String>,
    /// Attempts allowed.
    #[arg(long)]
    pub tries: Option<u32>,
    /// Seconds before each retry: one number, or a list like 1,5,10 (the last repeats).
    #[arg(long, value_name = "SECS[,SECS...]")]
    pub backoff: Option<String>,
    #[command(flatten)]
    pub trace: TraceArgs,
}

/// `natskit queue work`
#[derive(Debug, Args)]
pub struct WorkArgs {
    /// Queues in priority order.
    #[arg(required = true, value_name = "QUEUE")]
    pub queues: Vec<String>,
    /// Shell command run per job: the job JSON on stdin; exit 0 = done, else an error
    /// with stderr as its message.
    #[arg(long, value_name = "CMD")]
    pub exec: String,
    /// Attempts for jobs that set none.
    #[arg(long)]
    pub tries: Option<u32>,
    /// Longest run for jobs that set none, e.g. 60 or 2m; the command is killed past it.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<String>,
    /// How long to wait for a job before checking again when the queues are empty.
    #[arg(long, value_name = "SECS", default_value = "3")]
    pub sleep: String,
    /// Work one job, then stop.
    #[arg(long)]
    pub once: bool,
    /// Stop when the queues are empty.
    #[arg(long)]
    pub stop_when_empty: bool,
    /// Stop after this many jobs.
    #[arg(long, default_value_t = 0)]
    pub max_jobs: u64,
    /// Stop after this long, e.g. 3600 or 1h.
    #[arg(long, value_name = "SECS")]
    pub max_time: Option<String>,
    /// Serve /metrics, /healthz and /readyz over HTTP on this address, e.g. 127.0.0.1:9464.
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_addr: Option<String>,
}
