//! `natskit`: streams, consumers, JetStream status, key-value buckets, publish/subscribe/request,
//! ping, health checks, benchmarks, job queues, services, a live dashboard and a local
//! nats-server, from the command line.

mod args;
mod commands;
mod confirm;
mod connect;
mod dashboard;
mod duration;
mod output;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, QueueCommand};
use output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(&cli.command, Command::Queue(QueueCommand::Work(_))) {
        end_quietly_on_closed_stdout();
    }
    let out = Output::new(cli.json);
    if let Command::Health(a) = &cli.command {
        return match natskit::runtime::block_on(commands::health::run(&cli, a, &out))
            .and_then(|done| done)
        {
            Ok(status) => ExitCode::from(status.exit_code()),
            Err(e) => {
                out.error(&e);
                ExitCode::from(natskit::health::Status::Unknown.exit_code())
            }
        };
    }
    match natskit::runtime::block_on(run(&cli, &out)).and_then(|done| done) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.code().number() as u8)
        }
    }
}

async fn run(cli: &Cli, out: &Output) -> natskit::Result<()> {
    match &cli.command {
        Command::Server(a) => commands::server::run(a, out).await,
        Command::Stream(a) => commands::stream::run(&connect::client(cli).await?, a, out).await,
        Command::Consumer(a) => commands::consumer::run(&connect::client(cli).await?, a, out).await,
        Command::Jetstream(a) => {
            commands::jetstream::run(&connect::client(cli).await?, a, out).await
        }
        Command::Pub(a) => commands::messaging::publish(&connect::client(cli).await?, a, out).await,
        Command::Sub(a) => {
            commands::messaging::subscribe(&connect::client(cli).await?, a, out).await
        }
        Command::Req(a) => commands::messaging::request(&connect::client(cli).await?, a, out).await,
        Command::Reply(a) => commands::messaging::reply(&connect::client(cli).await?, a, out).await,
        Command::Ping => commands::messaging::ping(&connect::client(cli).await?, out).await,
        Command::Health(_) => unreachable!("health runs on its own in main"),
        Command::Bench(a) => commands::bench::run(&connect::client(cli).await?, a, out).await,
        Command::Kv(a) => commands::kv::run(&connect::client(cli).await?, a, out).await,
        Command::Micro(a) => commands::micro::run(&connect::client(cli).await?, a, out).await,
        Command::Object(a) => commands::object::run(&connect::client(cli).await?, a, out).await,
        Command::Queue(a) => {
            let (client, connection) = connect::named(cli).await?;
            commands::queue::run(&client, &connection, a, out).await
        }
        Command::Dashboard(a) => dashboard::run(cli, a, out).await,
    }
}

/// Restores the default SIGPIPE action (Rust ignores it, which turns a closed stdout as in
/// `natskit stream list | head -1` into a panic). Not for `queue work`, which writes jobs to
/// commands that may close their stdin without reading it.
fn end_quietly_on_closed_stdout() {
    // SAFETY: called once at start-up, before any thread is spawned.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
