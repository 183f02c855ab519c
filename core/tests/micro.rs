//! Services (micro) against a real server: discovery answers, request/response, error
//! headers, exact stats, the `q` queue group across instances, groups, stop.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{client, server, SECOND, SHORT};
use natskit::service::discovery::{self, Target};
use natskit::service::{Endpoint, Service};
use natskit::{EndpointConfig, ErrorCode, ServiceConfig};

fn config(name: &str) -> ServiceConfig {
    ServiceConfig {
        description: Some("adds numbers".into()),
        metadata: BTreeMap::from([("team".into(), "core".into())]),
        ..ServiceConfig::new(name, "1.2.3")
    }
}

/// Answers `count` requests on `endpoint`: "ok:<payload>", or an error when the payload is "fail".
async fn answer(endpoint: &mut Endpoint, count: usize) {
    for _ in 0..count {
        let request = endpoint
            .next_timeout(SECOND)
            .await
            .unwrap()
            .expect("a request");
        if request.data() == b"fail" {
            request.respond_error(422, "cannot add that").await.unwrap();
        } else {
            let body = [b"ok:".as_slice(), request.data()].concat();
            request.respond(body).await.unwrap();
        }
    }
}

#[tokio::test]
async fn discovery_answers_ping_info_and_stats_with_the_protocol_fields() {
    let server = server();
    let nc = client(&server).await;
    let service = nc.add_service(config("adder")).await.unwrap();
    let group = service.group("math", None).unwrap();
    let _add = group
        .endpoint(EndpointConfig {
            metadata: BTreeMap::from([("unit".into(), "int".into())]),
            ..EndpointConfig::new("add")
        })
        .await
        .unwrap();
    let _sum = service
        .endpoint(EndpointConfig {
            queue_group: Some("sums".into()),
            ..EndpointConfig::new("sum.*").name("sum")
        })
        .await
        .unwrap();

    let other = client(&server).await;
    let quick = Target {
        wait: Some(Duration::from_millis(500)),
        ..Target::default()
    };
    let pings = discovery::ping(&other, quick).await.unwrap();
    assert_eq!(pings.len(), 1);
    assert_eq!(pings[0].kind, "io.nats.micro.v1.ping_response");
    assert_eq!(
        (pings[0].name.as_str(), pings[0].version.as_str()),
        ("adder", "1.2.3")
    );
    assert_eq!(pings[0].id, service.id());
    assert_eq!(pings[0].metadata["team"], "core");

    let infos = discovery::info(
        &other,
        Target {
            name: Some("adder"),
            ..quick
        },
    )
    .await
    .unwrap();
    assert_eq!(infos.len(), 1);
    let info = &infos[0];
    assert_eq!(info.kind, "io.nats.micro.v1.info_response");
    assert_eq!(info.description, "adds numbers");
    let mut remote = info.endpoints.clone();
    remote.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        remote,
        service.info().endpoints,
        "the same endpoints, in any order"
    );
    let local = service.info();
    let endpoints: Vec<(&str, &str, &str)> = local
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), e.subject.as_str(), e.queue_group.as_str()))
        .collect();
    assert_eq!(
        endpoints,
        [("math-add", "math.add", "q"), ("sum", "sum.*", "sums")]
    );
    assert_eq!(service.info().endpoints[0].metadata["unit"], "int");
    assert_eq!(info.id, service.info().id);

    let by_id = Target {
        name: Some("adder"),
        id: Some(service.id()),
        ..quick
    };
    let stats = discovery::stats(&other, by_id).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].kind, "io.nats.micro.v1.stats_response");
    assert!(natskit::timestamp::parse_rfc3339(&stats[0].started, "started").is_ok());
    assert_eq!(stats[0].endpoints.len(), 2);
    assert_eq!(stats[0].endpoints[0].num_requests, 0);

    let nobody = discovery::ping(
        &other,
        Target {
            name: Some("nobody"),
            ..quick
        },
    )
    .await
    .unwrap();
    assert!(nobody.is_empty());
}

#[tokio::test]
async fn requests_are_answered_and_errors_travel_in_the_standard_headers() {
    let server = server();
    let nc = client(&server).await;
    let service = nc.add_service(config("adder")).await.unwrap();
    let mut add = service.endpoint(EndpointConfig::new("add")).await.unwrap();
    let caller = client(&server).await;

    let handler = tokio::spawn(async move {
        answer(&mut add, 2).await;
        add
    });
    let ok = caller.request("add", "1+2").await.unwrap();
    assert_eq!(ok.data(), b"ok:1+2");
    assert!(ok.header("Nats-Service-Error").is_none());
    let failed = caller.request("add", "fail").await.unwrap();
    assert_eq!(failed.header("Nats-Service-Error"), Some("cannot add that"));
    assert_eq!(failed.header("Nats-Service-Error-Code"), Some("422"));
    assert!(failed.data().is_empty());
    let mut add = handler.await.unwrap();

    // JSON, and one answer per request.
    let pending = tokio::spawn(async move { caller.request("add", "{}").await });
    let request = add.next_timeout(SECOND).await.unwrap().unwrap();
    request
        .respond_json(&serde_json::json!({"sum": 3}))
        .await
        .unwrap();
    let again = request.respond("twice").await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::InvalidArgument);
    let reply = pending.await.unwrap().unwrap();
    assert_eq!(reply.json::<serde_json::Value>().unwrap()["sum"], 3);
}

#[tokio::test]
async fn stats_count_requests_errors_and_processing_time_exactly() {
    let server = server();
    let nc = client(&server).await;
    let service = nc.add_service(config("adder")).await.unwrap();
    let mut add = service.endpoint(EndpointConfig::new("add")).await.unwrap();
    let caller = client(&server).await;
    let (n, k) = (7, 3);
    let handler = tokio::spawn(async move { answer(&mut add, n).await });
    for i in 0..n {
        let body = if i < k {
            "fail".to_string()
        } else {
            i.to_string()
        };
        caller.request("add", body).await.unwrap();
    }
    handler.await.unwrap();

    let local = service.stats().await;
    let remote = discovery::stats(
        &caller,
        Target {
            name: Some("adder"),
            ..Target::default()
        },
    )
    .await
    .unwrap();
    for stats in [&local.endpoints[0], &remote[0].endpoints[0]] {
        assert_eq!(stats.num_requests, n as u64);
        assert_eq!(stats.num_errors, k as u64);
        assert_eq!(stats.last_error, "422:cannot add that");
        assert!(stats.processing_time > 0);
        assert_eq!(
            stats.average_processing_time,
            stats.processing_time / n as u64
        );
    }
}

#[tokio::test]
async fn instances_share_the_q_queue_group_and_stop_hands_over() {
    let server = server();
    let (a, b) = (client(&server).await, client(&server).await);
    let first = a.add_service(config("adder")).await.unwrap();
    let second = b.add_service(config("adder")).await.unwrap();
    let mut ends = Vec::new();
    for service in [&first, &second] {
        ends.push(service.endpoint(EndpointConfig::new("add")).await.unwrap());
    }
    let caller = client(&server).await;
    let total = 40;
    let counters: Vec<_> = ends
        .into_iter()
        .map(|mut end| {
            tokio::spawn(async move {
                let mut answered = 0;
                while let Ok(Some(r)) = end.next_timeout(Some(Duration::from_millis(500))).await {
                    r.respond("ok").await.unwrap();
                    answered += 1;
                }
                (answered, end)
            })
        })
        .collect();
    for _ in 0..total {
        caller.request("add", "x").await.unwrap();
    }
    let mut served = Vec::new();
    let mut ends = Vec::new();
    for c in counters {
        let (answered, end) = c.await.unwrap();
        served.push(answered);
        ends.push(end);
    }
    assert_eq!(served.iter().sum::<usize>(), total);
    assert!(
        served.iter().all(|&s| s > 0),
        "each instance answered some: {served:?}"
    );
    let pings = discovery::ping(&caller, Target::default()).await.unwrap();
    assert_eq!(pings.len(), 2);

    // Stopping the first: discovery sees one, every request goes to the second.
    stop_and_expect_end(&first, &mut ends[0]).await;
    let pings = discovery::ping(&caller, Target::default()).await.unwrap();
    assert_eq!(
        pings.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [second.id()]
    );
    let mut survivor = ends.pop().unwrap();
    let handler = tokio::spawn(async move {
        for _ in 0..5 {
            survivor
                .next_timeout(SECOND)
                .await
                .unwrap()
                .unwrap()
                .respond("second")
                .await
                .unwrap();
        }
    });
    for _ in 0..5 {
        assert_eq!(caller.request("add", "x").await.unwrap().data(), b"second");
    }
    handler.await.unwrap();
}

async fn stop_and_expect_end(service: &Service, endpoint: &mut Endpoint) {
    service.stop().await.unwrap();
    assert!(service.is_stopped());
    let err = endpoint.next_timeout(SHORT).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Closed);
    let late = service
        .endpoint(EndpointConfig::new("late"))
        .await
        .unwrap_err();
    assert_eq!(late.code(), ErrorCode::Closed);
    service.stop().await.unwrap();
}

#[tokio::test]
async fn stop_still_hands_out_requests_that_had_arrived() {
    let server = server();
    let nc = client(&server).await;
    let service = nc.add_service(config("adder")).await.unwrap();
    let mut add = service.endpoint(EndpointConfig::new("add")).await.unwrap();
    let caller = client(&server).await;
    let inbox = caller.nats().new_inbox();
    let mut replies = caller.subscribe(&format!("{inbox}.*"), None).await.unwrap();
    for i in 0..3 {
        let reply = format!("{inbox}.{i}");
        let opts = natskit::PublishOptions {
            reply: Some(&reply),
            headers: None,
        };
        caller
            .publish_with("add", i.to_string().into(), &opts)
            .await
            .unwrap();
    }
    caller.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    service.stop().await.unwrap();
    answer(&mut add, 3).await;
    assert_eq!(
        add.next_timeout(SHORT).await.unwrap_err().code(),
        ErrorCode::Closed
    );
    let mut got = Vec::new();
    while let Some(m) = replies.next_timeout(SHORT).await.unwrap() {
        got.push(String::from_utf8(m.data().to_vec()).unwrap());
    }
    got.sort();
    assert_eq!(got, ["ok:0", "ok:1", "ok:2"]);
    // Stats keep the numbers of the moment of the stop.
    assert_eq!(service.stats().await.endpoints[0].num_requests, 0);
    assert_eq!(
        caller.request("add", "x").await.unwrap_err().code(),
        ErrorCode::NoResponders
    );
}

#[tokio::test]
async fn bad_names_versions_and_subjects_are_refused() {
    let server = server();
    let nc = client(&server).await;
    for (name, version) in [
        ("adder", "1.0"),
        ("adder", "v1.0.0"),
        ("add er", "1.0.0"),
        ("", "1.0.0"),
    ] {
        let err = nc
            .add_service(ServiceConfig::new(name, version))
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::InvalidArgument,
            "{name} {version}: {err}"
        );
    }
    let service = nc
        .add_service(ServiceConfig::new("adder", "1.0.0-rc.1+b5"))
        .await
        .unwrap();
    let bad = service
        .endpoint(EndpointConfig::new("a..b"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidSubject);
    let bad = service
        .endpoint(EndpointConfig::new("a").name("a.b"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidArgument);
    let _a = service.endpoint(EndpointConfig::new("a")).await.unwrap();
    let twice = service
        .endpoint(EndpointConfig::new("b").name("a"))
        .await
        .unwrap_err();
    assert!(
        twice
            .message()
            .contains("already has an endpoint named \"a\""),
        "{twice}"
    );
    assert_eq!(service.info().endpoints.len(), 1);
}
