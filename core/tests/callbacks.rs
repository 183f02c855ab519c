//! Event callbacks and streams, and requests answered by the caller's own subscriptions,
//! against a real nats-server.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{client, server, SECOND};
use natskit::{Arrival, ErrorCode, Event};

async fn wait_for(events: &Mutex<Vec<Event>>, what: &Event) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !events.lock().unwrap().contains(what) {
        assert!(Instant::now() < deadline, "no {what:?} in {events:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_event_sees_a_restart_then_the_close_in_order() {
    let mut srv = server();
    let nc = client(&srv).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    nc.on_event(move |e| sink.lock().unwrap().push(e));
    srv.start_again().unwrap();
    wait_for(&seen, &Event::Reconnected).await;
    nc.close().await.unwrap();
    wait_for(&seen, &Event::Closed).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let seen = seen.lock().unwrap().clone();
    // `connected` may be recorded just before or after `on_event`; I/O errors vary.
    let names: Vec<_> = seen
        .iter()
        .map(Event::name)
        .filter(|n| !["connected", "client_error"].contains(n))
        .collect();
    assert_eq!(
        names,
        ["disconnected", "reconnected", "draining", "closed"],
        "{seen:?}"
    );
    // The poll queue is independent: it still has every event.
    assert_eq!(nc.poll_event(), Some(Event::Connected));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_stream_ends_after_closed() {
    let srv = server();
    let nc = client(&srv).await;
    let mut events = nc.events();
    nc.close().await.unwrap();
    let mut last = None;
    while let Some(e) = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("the stream ends")
    {
        last = Some(e);
    }
    assert_eq!(last, Some(Event::Closed));
    let mut late = nc.events();
    assert_eq!(late.next().await, None, "a stream made after close is over");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_request_hands_over_its_own_subscriptions_messages() {
    let srv = server();
    let nc = client(&srv).await;
    let mut other = nc.subscribe("other", None).await.unwrap();
    let mut service = nc.subscribe("svc.double", None).await.unwrap();
    nc.flush().await.unwrap();
    let mut pending = nc
        .start_request("svc.double", "21".into(), None, SECOND)
        .unwrap();
    let mut subs = [&mut other, &mut service];
    let request = match pending.wait(&mut subs).await.unwrap() {
        Arrival::Message(index, m) => {
            assert_eq!(index, 1);
            m
        }
        Arrival::Reply(m) => panic!("a reply before anyone answered: {m:?}"),
    };
    assert_eq!(request.data(), b"21");
    request.respond("42").await.unwrap();
    match pending.wait(&mut subs).await.unwrap() {
        Arrival::Reply(m) => assert_eq!(m.data(), b"42"),
        Arrival::Message(i, m) => panic!("subs[{i}] got {m:?} instead of the reply"),
    }
    let err = pending.wait(&mut subs).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_request_reports_its_errors() {
    let srv = server();
    let nc = client(&srv).await;
    let mut pending = nc
        .start_request("nobody.here", "x".into(), None, SECOND)
        .unwrap();
    let err = pending.wait(&mut []).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoResponders, "{err}");
    let err = nc
        .start_request("bad subject", "x".into(), None, SECOND)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSubject, "{err}");
    let mut silent = nc.subscribe("silent", None).await.unwrap();
    nc.flush().await.unwrap();
    let mut pending = nc
        .start_request("silent", "x".into(), None, Some(Duration::from_millis(200)))
        .unwrap();
    let mut subs = [&mut silent];
    assert!(matches!(
        pending.wait(&mut subs).await.unwrap(),
        Arrival::Message(0, _)
    ));
    let err = pending.wait(&mut subs).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
}
