//! Creds (JWT) authentication against a nats-server in operator mode, with the operator,
//! accounts and users made here: a good `.creds` file connects; a user of an unknown account
//! or with a forged signature is refused; a missing or malformed file is a `CONFIG` error;
//! no message ever holds the seed.

mod common;

use std::path::Path;

use common::jwt::{Operator, User};
use natskit::{Client, ConnectionConfig, Error, ErrorCode, LocalServer, ServerOptions};

/// A nats-server started with `config` (operator mode).
fn server(config: String) -> LocalServer {
    LocalServer::with_options(ServerOptions {
        config: Some(config),
        ..Default::default()
    })
    .expect("start nats-server in operator mode")
}

fn config(server: &LocalServer, creds: &Path) -> ConnectionConfig {
    ConnectionConfig {
        servers: vec![server.url()],
        creds: Some(creds.display().to_string()),
        connect_timeout: 3.0,
        reconnect: natskit::config::ReconnectConfig {
            max_attempts: Some(0),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The error of connecting with `creds`, after checking no seed of `users` is in it.
async fn refused(server: &LocalServer, creds: &Path, users: &[&User]) -> Error {
    let err = Client::connect(&config(server, creds)).await.unwrap_err();
    eprintln!("{}: {}", err.code(), err.message());
    let shown = format!("{err} {err:?} {}", err.message());
    for user in users {
        let hidden = shown.replace(&user.seed[..20], "<seed>");
        assert!(shown == hidden, "(part of) a seed in the error: {hidden}");
    }
    err
}

#[tokio::test(flavor = "multi_thread")]
async fn creds_connect_and_round_trip() {
    let operator = Operator::new();
    let account = operator.account();
    let server = server(operator.server_config(&[&account]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.creds");
    account.user().write_creds(&path);

    let client = Client::connect(&config(&server, &path))
        .await
        .expect("connect with the creds file");
    let mut sub = client.subscribe("creds.echo", None).await.unwrap();
    client.flush().await.unwrap();
    client.publish("creds.echo", "signed in").await.unwrap();
    let got = sub
        .next_timeout(common::SECOND)
        .await
        .unwrap()
        .expect("the message comes back");
    assert_eq!(got.data(), b"signed in");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn creds_of_another_account_or_operator_are_refused() {
    let operator = Operator::new();
    let account = operator.account();
    let server = server(operator.server_config(&[&account]));
    let dir = tempfile::tempdir().unwrap();

    let stranger = Operator::new().account().user();
    let unknown = operator.account().user();
    let forged = account.user_signed_by(&operator.account().key);
    for (name, user) in [
        ("stranger", &stranger),
        ("unknown", &unknown),
        ("forged", &forged),
    ] {
        let path = dir.path().join(format!("{name}.creds"));
        user.write_creds(&path);
        let err = refused(&server, &path, &[user]).await;
        assert_eq!(err.code(), ErrorCode::Authorization, "{name}: {err}");
        assert!(
            err.message().contains(&format!("{name}.creds")),
            "{name}: the message names the creds file: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_malformed_creds_file_is_a_config_error() {
    let operator = Operator::new();
    let account = operator.account();
    let server = server(operator.server_config(&[&account]));
    let dir = tempfile::tempdir().unwrap();
    let user = account.user();

    let missing = dir.path().join("missing.creds");
    let err = refused(&server, &missing, &[&user]).await;
    assert_eq!(err.code(), ErrorCode::Config, "{err}");
    assert!(err.message().contains("missing.creds"), "{err}");

    let good = user.creds();
    let broken_seed = good.replace(&user.seed, &user.seed[..user.seed.len() - 4]);
    let cases = [
        ("garbage", "not a creds file\n".to_string()),
        (
            "no-seed",
            good[..good.find("-----BEGIN USER").unwrap()].to_string(),
        ),
        (
            "no-jwt",
            good[good.find("-----BEGIN USER").unwrap()..].to_string(),
        ),
        ("broken-seed", broken_seed),
    ];
    for (name, text) in cases {
        let path = dir.path().join(format!("{name}.creds"));
        std::fs::write(&path, text).unwrap();
        let err = refused(&server, &path, &[&user]).await;
        assert_eq!(err.code(), ErrorCode::Config, "{name}: {err}");
        assert!(err.message().contains(&format!("{name}.creds")), "{err}");
    }
}
