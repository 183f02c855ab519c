//! `natskit micro ls|info|stats` against services running in this test (natskit's core).

mod common;

use std::collections::BTreeMap;

use common::{json, natskit as run, ok};
use natskit::{EndpointConfig, LocalServer, ServiceConfig};

/// Starts a server and, on a runtime of its own, two instances of `adder` (one endpoint,
/// answered `requests` times of which `errors` with an error) on the first.
fn services(
    requests: usize,
    errors: usize,
) -> (LocalServer, tokio::runtime::Runtime, Vec<natskit::Service>) {
    let server = LocalServer::start().expect("nats-server");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = server.url();
    let services = rt.block_on(async move {
        let nc = natskit::connect(&url).await.unwrap();
        let mut all = Vec::new();
        for _ in 0..2 {
            let config = ServiceConfig {
                description: Some("adds numbers".into()),
                metadata: BTreeMap::from([("team".into(), "cli".into())]),
                ..ServiceConfig::new("adder", "1.4.0")
            };
            all.push(nc.add_service(config).await.unwrap());
        }
        let mut add = all[0]
            .endpoint(EndpointConfig::new("math.add").name("add"))
            .await
            .unwrap();
        let caller = natskit::connect(&url).await.unwrap();
        let answering = tokio::spawn(async move {
            for i in 0..requests {
                let request = add.next_timeout(None).await.unwrap().unwrap();
                if i < errors {
                    request.respond_error(400, "bad numbers").await.unwrap();
                } else {
                    request.respond("3").await.unwrap();
                }
            }
        });
        for _ in 0..requests {
            caller.request("math.add", "1+2").await.unwrap();
        }
        answering.await.unwrap();
        all
    });
    (server, rt, services)
}

#[test]
fn micro_ls_info_and_stats_show_the_running_services() {
    let (server, _rt, services) = services(5, 2);
    let ids: Vec<String> = services.iter().map(|s| s.id().to_string()).collect();

    let listed = json(&server, &["micro", "ls"]);
    let mut seen: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    seen.sort();
    let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(seen, expected);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["version"] == "1.4.0"));

    let human = ok(&server, &["micro", "ls"]);
    assert!(human.starts_with("NAME"), "{human}");
    assert_eq!(human.matches("adder").count(), 2, "{human}");
    assert!(human.contains("adds numbers"), "{human}");

    let info = ok(&server, &["micro", "info", "adder", &ids[0]]);
    assert!(info.contains("team=cli"), "{info}");
    assert!(info.contains("1 endpoint"), "{info}");
    assert!(
        info.contains("math.add") && info.contains("add") && info.contains(" q"),
        "{info}"
    );

    let stats = json(&server, &["micro", "stats", "adder", &ids[0]]);
    let endpoint = &stats[0]["endpoints"][0];
    assert_eq!(endpoint["num_requests"], 5);
    assert_eq!(endpoint["num_errors"], 2);
    assert_eq!(endpoint["last_error"], "400:bad numbers");
    assert!(
        endpoint["processing_time"].as_u64().unwrap() > 0,
        "nanoseconds"
    );

    let table = ok(&server, &["micro", "stats", "adder", &ids[0]]);
    let row = table.lines().nth(2).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &cells[..5],
        ["adder", ids[0].as_str(), "add", "5", "2"],
        "{table}"
    );
    assert!(row.ends_with("400:bad numbers"), "{table}");
}

#[test]
fn micro_without_services_says_so_and_checks_its_arguments() {
    let server = LocalServer::start().expect("nats-server");
    assert_eq!(
        json(&server, &["micro", "ls", "--timeout", "200ms"]),
        serde_json::json!([])
    );
    assert_eq!(
        ok(&server, &["micro", "stats", "--timeout", "200ms"]).trim(),
        "no services answered"
    );
    let bad = run(&server, &["micro", "info", "add er"]);
    assert_eq!(bad.status.code(), Some(1), "INVALID_ARGUMENT");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("letters, digits"));
}
