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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
    /// Measure the round trip to the server.
    Ping,
    /// Run a local nats-server (JetStream on) in the foreground until Ctrl-C.
    Server(ServerArgs),
    /// Job queues: sizes, pushes, failed jobs and a worker.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Key-value buckets: keys, values, history and watch.
    #[command(subcommand)]
    Kv(KvCommand),
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
        #[arg(long)]
        force: bool,
    },
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
        #[arg(required = true)]
        subjects: Vec<String>,
        #[command(flatten)]
        settings: StreamSettings,
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
        #[arg(long)]
        force: bool,
    },
    /// Delete a stream with its messages and consumers.
    Delete {
        /// Stream name.
        stream: String,
        /// Do not ask for confirmation.
        #[arg(long)]
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
    },
    /// Delete a consumer.
    Delete {
        /// Stream name.
        stream: String,
        /// Consumer name.
        consumer: String,
        /// Do not ask for confirmation.
        #[arg(long)]
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
    /// Payload.
    pub data: String,
    /// Header as Name:Value (repeatable).
    #[arg(long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
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
    /// Ready, reserved, delayed and failed jobs of one queue, or of every queue.
    Size {
        /// Queue name (default: every queue of the connection).
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
        #[arg(long)]
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
}
