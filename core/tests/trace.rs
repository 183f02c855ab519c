//! W3C trace context against a real nats-server: injected on publish, request and push,
//! extracted on receive, carried by a job across retries into the failed store, and the
//! core's `tracing` spans.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natskit::queue::{Outcome, PushOptions, Step, Worker, WorkerOptions};
use natskit::trace::with_trace;
use natskit::{ErrorCode, Headers, PublishOptions, RequestOptions, TraceContext};
use serde_json::json;

const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

#[tokio::test]
async fn a_published_trace_context_reaches_the_subscriber_and_a_malformed_one_is_none() {
    let srv = common::server();
    let nc = common::client(&srv).await;
    let mut sub = nc.subscribe("traced", None).await.unwrap();
    let headers = with_trace(None, Some(PARENT), Some("vendor=abc")).unwrap();
    let opts = PublishOptions {
        headers: headers.as_ref(),
        reply: None,
    };
    nc.publish_with("traced", "a".into(), &opts).await.unwrap();
    let mut bad = Headers::new();
    bad.insert(
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    );
    let opts = PublishOptions {
        headers: Some(&bad),
        reply: None,
    };
    nc.publish_with("traced", "b".into(), &opts).await.unwrap();
    nc.publish("traced", "c").await.unwrap();

    let first = sub.next_timeout(common::SECOND).await.unwrap().unwrap();
    let ctx = first.trace_context().expect("a trace context");
    assert_eq!(ctx.trace_id, TRACE_ID);
    assert_eq!(ctx.span_id, "b7ad6b7169203331");
    assert!(ctx.sampled);
    assert_eq!(ctx.tracestate.as_deref(), Some("vendor=abc"));
    for _ in 0..2 {
        let msg = sub.next_timeout(common::SECOND).await.unwrap().unwrap();
        assert_eq!(msg.trace_context(), None, "{:?}", msg.data());
    }
}

#[tokio::test]
async fn a_request_carries_its_trace_context_to_the_responder() {
    let srv = common::server();
    let nc = common::client(&srv).await;
    let mut sub = nc.subscribe("svc", None).await.unwrap();
    let responder = tokio::spawn(async move {
        let msg = sub.next_timeout(common::SECOND).await.unwrap().unwrap();
        let id = msg.trace_context().map(|c| c.trace_id).unwrap_or_default();
        msg.respond(id).await.unwrap();
    });
    let headers = with_trace(None, Some(PARENT), None).unwrap();
    let opts = RequestOptions {
        headers: headers.as_ref(),
        timeout: Some(Duration::from_secs(2)),
    };
    let reply = nc.request_with("svc", "q".into(), &opts).await.unwrap();
    assert_eq!(reply.data(), TRACE_ID.as_bytes());
    responder.await.unwrap();
}

#[tokio::test]
async fn a_pushed_trace_context_stays_with_the_job_through_retries_into_the_failed_store() {
    let srv = common::server();
    let nc = common::client(&srv).await;
    let q = nc.queue("traced").unwrap();
    let bad = PushOptions {
        traceparent: Some("00-xyz".into()),
        ..Default::default()
    };
    let err = q.push("Job", json!(1), &bad).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(err.to_string().contains("traceparent"), "{err}");

    let opts = PushOptions::from_json(Some(&format!(
        r#"{{"tries": 2, "traceparent": "{PARENT}", "tracestate": "k=v"}}"#
    )))
    .unwrap();
    let id = q.push("Job", json!(1), &opts).await.unwrap().unwrap();
    q.push("Plain", json!(2), &PushOptions::default())
        .await
        .unwrap();
    let options = WorkerOptions {
        queues: vec!["traced".into()],
        sleep: 0.2,
        ..Default::default()
    };
    let worker = Worker::new(&nc, "default", options).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let Step::Job(job) = worker.next(Duration::from_secs(2)).await.unwrap() else {
            panic!("no job after {seen:?}");
        };
        seen.push((job.name().to_string(), job.trace_context()));
        let outcome = match job.name() {
            "Job" => Outcome::Error {
                exception: "E".into(),
                message: "boom".into(),
                trace: String::new(),
            },
            _ => Outcome::Success,
        };
        worker.finish(job, outcome).await.unwrap();
    }
    let expected = TraceContext::parse(PARENT, Some("k=v")).unwrap();
    for (name, ctx) in &seen {
        match name.as_str() {
            "Job" => assert_eq!(ctx.as_ref(), Some(&expected)),
            _ => assert_eq!(ctx, &None),
        }
    }
    let failed = q.failed().get(&id).await.unwrap();
    assert_eq!(failed.payload["traceparent"], PARENT);
    assert_eq!(failed.payload["tracestate"], "k=v");
}

/// Span names with their fields, as a subscriber sees them.
type Spans = Arc<Mutex<Vec<(String, BTreeMap<String, String>)>>>;

/// The least subscriber that keeps every span's name and fields.
struct Recorder(Spans);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            format!("{value:?}").replace('"', ""),
        );
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut spans = self.0.lock().unwrap();
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        spans.push((attrs.metadata().name().to_string(), fields));
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        let (_, fields) = &mut spans[span.into_u64() as usize - 1];
        values.record(&mut Fields(fields));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn spans_for_publish_request_push_and_job_run_carry_the_messaging_attributes() {
    let spans: Spans = Arc::default();
    tracing::subscriber::set_global_default(Recorder(spans.clone())).unwrap();
    let srv = common::server();
    let nc = common::client(&srv).await;
    let headers = with_trace(None, Some(PARENT), None).unwrap();
    let opts = PublishOptions {
        headers: headers.as_ref(),
        reply: None,
    };
    nc.publish_with("orders.new", "x".into(), &opts)
        .await
        .unwrap();
    let err = nc.request("nobody.home", "x").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoResponders);
    let q = nc.queue("spans").unwrap();
    let opts = PushOptions {
        traceparent: Some(PARENT.into()),
        ..Default::default()
    };
    let id = q.push("Ship", json!({}), &opts).await.unwrap().unwrap();
    let job = q.pop(Duration::from_secs(2)).await.unwrap().unwrap();
    job.finish(Outcome::Success, None, None).await.unwrap();

    let spans = spans.lock().unwrap().clone();
    // Other tests of this file run meanwhile: pick this test's spans by destination.
    let find = |name: &str, destination: &str| {
        spans
            .iter()
            .find(|(n, f)| n == name && f["messaging.destination.name"] == destination)
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| panic!("no {name} span to {destination} in {spans:?}"))
    };
    let publish = find("publish", "orders.new");
    assert_eq!(publish["messaging.system"], "nats");
    assert_eq!(publish["messaging.operation.type"], "send");
    assert_eq!(publish["messaging.message.body.size"], "1");
    assert_eq!(publish["trace_id"], TRACE_ID);
    assert!(!find("request", "nobody.home").contains_key("trace_id"));
    let push = find("push", "spans");
    assert_eq!(push["messaging.message.id"], id);
    assert_eq!(push["trace_id"], TRACE_ID);
    let run = find("job run", "spans");
    assert_eq!(run["messaging.operation.type"], "process");
    assert_eq!(run["natskit.job.name"], "Ship");
    assert_eq!(run["natskit.job.event"], "processed");
    assert_eq!(run["parent_span_id"], "b7ad6b7169203331");
}
