//! `natskit pub|sub|req|reply|ping`

use std::time::Instant;

use natskit::{Client, Error, ErrorCode, Headers, Message, PublishOptions, RequestOptions};
use serde_json::{json, Value};

use crate::args::{PubArgs, ReplyArgs, ReqArgs, SubArgs};
use crate::duration;
use crate::output::{plural, set_payload, Output};

/// Publishes `--count` messages (the payload from stdin when DATA is `-` or absent) and waits
/// until the server has them.
pub async fn publish(client: &Client, a: &PubArgs, out: &Output) -> natskit::Result<()> {
    let headers = parse_headers(&a.headers)?;
    let opts = PublishOptions {
        headers: (!headers.is_empty()).then_some(&headers),
        reply: None,
    };
    let data = match a.data.as_deref() {
        Some(data) if data != "-" => data.as_bytes().to_vec(),
        _ => {
            let mut stdin = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut stdin).map_err(|e| {
                Error::new(
                    ErrorCode::Io,
                    format!("pub: reading the payload from stdin: {e}"),
                )
            })?;
            stdin
        }
    };
    let templated = std::str::from_utf8(&data)
        .ok()
        .filter(|text| text.contains(COUNT))
        .map(str::to_owned);
    let mut bytes = 0;
    for n in 1..=a.count {
        let payload = match &templated {
            Some(text) => text.replace(COUNT, &n.to_string()).into_bytes(),
            None => data.clone(),
        };
        bytes += payload.len();
        client
            .publish_with(&a.subject, payload.into(), &opts)
            .await?;
    }
    client.flush().await?;
    out.show(
        &json!({"subject": a.subject, "messages": a.count, "bytes": bytes}),
        || {
            println!(
                "Published {} ({}) to {}",
                plural(a.count, "message"),
                plural(bytes as u64, "byte"),
                a.subject
            )
        },
    );
    client.close().await
}

/// Replaced by the message's number (from 1) in a payload published with `--count`.
const COUNT: &str = "{{Count}}";

/// Prints messages until `--count` is reached or Ctrl-C.
pub async fn subscribe(client: &Client, a: &SubArgs, out: &Output) -> natskit::Result<()> {
    let mut sub = client.subscribe(&a.subject, a.queue.as_deref()).await?;
    client.flush().await?;
    eprintln!("Listening on {}", a.subject);
    let mut received = 0u64;
    while a.count.is_none_or(|n| received < n) {
        let next = tokio::select! {
            next = sub.next_timeout(None) => next?,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(msg) = next else { continue };
        received += 1;
        if out.is_json() {
            out.line(&message_json(&msg));
        } else {
            print_message(received, &msg);
        }
    }
    client.close().await
}

/// Sends a request and prints the reply.
pub async fn request(client: &Client, a: &ReqArgs, out: &Output) -> natskit::Result<()> {
    let opts = RequestOptions {
        headers: None,
        timeout: Some(duration::parse(&a.timeout)?),
    };
    let reply = client
        .request_with(&a.subject, a.data.clone().into_bytes().into(), &opts)
        .await?;
    if out.is_json() {
        out.line(&message_json(&reply));
    } else {
        for (name, value) in reply.headers().iter() {
            println!("{name}: {value}");
        }
        println!("{}", String::from_utf8_lossy(reply.data()));
    }
    client.close().await
}

/// Answers requests until `--count` is reached or Ctrl-C: with the body (`{{Count}}`
/// numbered), the output of `--command` (the request on its stdin), or the request itself.
pub async fn reply(client: &Client, a: &ReplyArgs, out: &Output) -> natskit::Result<()> {
    let mut sub = client.subscribe(&a.subject, a.queue.as_deref()).await?;
    client.flush().await?;
    eprintln!("Answering requests on {}", a.subject);
    let mut answered = 0u64;
    while a.count.is_none_or(|n| answered < n) {
        let next = tokio::select! {
            next = sub.next_timeout(None) => next?,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(msg) = next else { continue };
        answered += 1;
        let answer = match (&a.body, &a.command) {
            (Some(body), _) => body.replace(COUNT, &answered.to_string()).into_bytes(),
            (None, Some(command)) => match run_command(command, msg.data()).await {
                Ok(output) => output,
                // One failing request leaves the replier running (the requester times out).
                Err(e) => {
                    eprintln!("request #{answered} not answered: {}", e.message());
                    continue;
                }
            },
            (None, None) => msg.data().to_vec(),
        };
        if out.is_json() {
            out.line(&message_json(&msg));
        } else {
            print_message(answered, &msg);
        }
        if msg.reply().is_some() {
            msg.respond(answer).await?;
        }
    }
    client.close().await
}

/// Runs `sh -c command` with `input` on its stdin; its stdout, or an error naming its status.
async fn run_command(command: &str, input: &[u8]) -> natskit::Result<Vec<u8>> {
    use tokio::io::AsyncWriteExt;
    let io = |e: std::io::Error| Error::new(ErrorCode::Io, format!("reply --command: {e}"));
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", command])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(io)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input closes the pipe: not an error.
        let _ = stdin.write_all(input).await;
    }
    let output = child.wait_with_output().await.map_err(io)?;
    if !output.status.success() {
        return Err(Error::new(
            ErrorCode::Io,
            format!("reply --command {command:?} exited with {}", output.status),
        ));
    }
    Ok(output.stdout)
}

/// Measures one round trip to the server.
pub async fn ping(client: &Client, out: &Output) -> natskit::Result<()> {
    let started = Instant::now();
    client.flush().await?;
    // Microsecond resolution: the clock cannot tell more, and JSON readers need no more.
    let rtt_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    let server = client.connected_url();
    out.show(&json!({"server": server, "rtt_ms": rtt_ms}), || {
        println!("PONG from {server} in {rtt_ms:.3} ms")
    });
    client.close().await
}

pub(crate) fn parse_headers(raw: &[String]) -> natskit::Result<Headers> {
    let mut headers = Headers::new();
    for h in raw {
        let (name, value) = h.split_once(':').ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("header {h:?} is not Name:Value"),
            )
        })?;
        headers.append(name.trim(), value.trim());
    }
    Ok(headers)
}

/// A message as JSON: `data` is the payload as text, or base64 with `"base64": true` when it
/// is not UTF-8 (so binary payloads survive).
fn message_json(msg: &Message) -> Value {
    let mut value = json!({
        "subject": msg.subject(),
        "reply": msg.reply(),
        "headers": msg.headers().to_json(),
    });
    set_payload(&mut value, msg.data());
    value
}

fn print_message(n: u64, msg: &Message) {
    println!("[#{n}] {}", msg.subject());
    for (name, value) in msg.headers().iter() {
        println!("{name}: {value}");
    }
    println!("{}", String::from_utf8_lossy(msg.data()));
}
