//! TLS, mutual TLS, handshake-first and NKey authentication against real servers, with
//! certificates generated here; every TLS failure names its cause.

use std::path::{Path, PathBuf};

use natskit::{Client, ConnectionConfig, Error, ErrorCode, LocalServer, ServerOptions};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A certificate authority and the files it signed, in a temp dir.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A CA (`ca.pem`), a server certificate for 127.0.0.1 (`server.pem`, `server-key.pem`),
    /// a client certificate (`client.pem`, `client-key.pem`) and the same from a second,
    /// unrelated CA (`other-ca.pem`, `other-client.pem`, `other-client-key.pem`).
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki { dir };
        let ca = pki.authority("ca");
        pki.leaf(&ca, "server", vec!["127.0.0.1".into(), "localhost".into()]);
        pki.leaf(&ca, "client", vec!["natskit-client".into()]);
        let other = pki.authority("other-ca");
        pki.leaf(&other, "other-client", vec!["natskit-client".into()]);
        std::fs::write(pki.path("not-pem.pem"), "this is not a certificate\n").unwrap();
        pki
    }

    fn authority(&self, name: &str) -> CertifiedIssuer<'static, KeyPair> {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("natskit test {name}"));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(self.path(&format!("{name}.pem")), ca.pem()).unwrap();
        ca
    }

    fn leaf(&self, ca: &CertifiedIssuer<'static, KeyPair>, name: &str, names: Vec<String>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.signed_by(&key, ca).unwrap();
        std::fs::write(self.path(&format!("{name}.pem")), cert.pem()).unwrap();
        std::fs::write(self.path(&format!("{name}-key.pem")), key.serialize_pem()).unwrap();
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    fn file(&self, file: &str) -> Option<String> {
        Some(self.path(file).display().to_string())
    }

    /// A nats-server requiring TLS; `verify` asks for a client certificate from our CA.
    fn server(&self, verify: bool, handshake_first: bool) -> LocalServer {
        let quoted = |p: &Path| format!("{:?}", p.display().to_string());
        let config = format!(
            "tls {{\n  cert_file: {}\n  key_file: {}\n  ca_file: {}\n  verify: {verify}\n  handshake_first: {handshake_first}\n  timeout: 2\n}}\n",
            quoted(&self.path("server.pem")),
            quoted(&self.path("server-key.pem")),
            quoted(&self.path("ca.pem")),
        );
        LocalServer::with_options(ServerOptions {
            config: Some(config),
            ..Default::default()
        })
        .expect("start nats-server with TLS")
    }
}

fn config(server: &LocalServer, tls: natskit::config::TlsConfig) -> ConnectionConfig {
    ConnectionConfig {
        servers: vec![server.url()],
        tls,
        connect_timeout: 3.0,
        reconnect: natskit::config::ReconnectConfig {
            max_attempts: Some(0),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn ca_only(pki: &Pki, ca: &str) -> natskit::config::TlsConfig {
    natskit::config::TlsConfig {
        ca: pki.file(ca),
        ..Default::default()
    }
}

fn with_client_cert(pki: &Pki, ca: &str, client: &str) -> natskit::config::TlsConfig {
    natskit::config::TlsConfig {
        cert: pki.file(&format!("{client}.pem")),
        key: pki.file(&format!("{client}-key.pem")),
        ..ca_only(pki, ca)
    }
}

async fn connects(config: ConnectionConfig) {
    let client = Client::connect(&config).await.expect("connect over TLS");
    client.flush().await.unwrap();
    client.close().await.unwrap();
}

async fn fails(config: ConnectionConfig) -> Error {
    let err = Client::connect(&config).await.unwrap_err();
    eprintln!("{}: {}", err.code(), err.message());
    err
}

fn assert_says(err: &Error, code: ErrorCode, words: &str) {
    assert_eq!(err.code(), code, "{err}");
    assert!(
        err.message().contains(words),
        "expected {words:?} in: {err}"
    );
    assert!(
        !err.message().contains("is nats-server running"),
        "a TLS failure is not an unreachable server: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_tls_connects_and_each_failure_names_its_cause() {
    let pki = Pki::new();
    let server = pki.server(false, false);
    connects(config(&server, ca_only(&pki, "ca.pem"))).await;

    let err = fails(config(&server, ca_only(&pki, "other-ca.pem"))).await;
    assert_says(&err, ErrorCode::Connect, "certificate verification failed");
    assert_says(&err, ErrorCode::Connect, "unknown issuer");

    let err = fails(config(&server, natskit::config::TlsConfig::default())).await;
    assert_says(&err, ErrorCode::Connect, "certificate verification failed");

    let err = fails(config(&server, ca_only(&pki, "missing.pem"))).await;
    assert_says(&err, ErrorCode::Config, "missing.pem: file not found");

    let err = fails(config(&server, ca_only(&pki, "not-pem.pem"))).await;
    assert_says(&err, ErrorCode::Config, "not-pem.pem is not a PEM file");
}

#[tokio::test(flavor = "multi_thread")]
async fn mutual_tls_needs_a_client_certificate_from_the_servers_ca() {
    let pki = Pki::new();
    let server = pki.server(true, false);
    connects(config(&server, with_client_cert(&pki, "ca.pem", "client"))).await;

    let err = fails(config(&server, ca_only(&pki, "ca.pem"))).await;
    assert_says(
        &err,
        ErrorCode::Connect,
        "server requires a client certificate",
    );

    let err = fails(config(
        &server,
        with_client_cert(&pki, "ca.pem", "other-client"),
    ))
    .await;
    assert_says(&err, ErrorCode::Connect, "rejected the client certificate");

    let mut missing = with_client_cert(&pki, "ca.pem", "client");
    missing.cert = pki.file("no-such-client.pem");
    let err = fails(config(&server, missing)).await;
    assert_says(
        &err,
        ErrorCode::Config,
        "no-such-client.pem: file not found",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn handshake_first_is_named_when_missing() {
    let pki = Pki::new();
    let server = pki.server(false, true);
    let mut first = ca_only(&pki, "ca.pem");
    first.first = true;
    connects(config(&server, first)).await;

    let err = fails(config(&server, ca_only(&pki, "ca.pem"))).await;
    assert_says(&err, ErrorCode::Connect, "handshake_first");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_client_is_told_the_server_requires_tls() {
    let pki = Pki::new();
    let server = pki.server(false, false);
    let plain = ConnectionConfig {
        servers: vec![server.url()],
        connect_timeout: 3.0,
        ..Default::default()
    };
    let err = fails(plain).await;
    assert_says(&err, ErrorCode::Connect, "TLS required by server");
}

#[tokio::test(flavor = "multi_thread")]
async fn nkey_authentication() {
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().unwrap();
    let server = LocalServer::with_options(ServerOptions {
        config: Some(format!(
            "authorization {{ users = [ {{ nkey: {} }} ] }}\n",
            user.public_key()
        )),
        ..Default::default()
    })
    .unwrap();
    let mut good = ConnectionConfig {
        servers: vec![server.url()],
        nkey_seed: Some(natskit::config::Secret::new(seed.clone())),
        ..Default::default()
    };
    let client = Client::connect(&good).await.expect("connect with the nkey");
    client.flush().await.unwrap();
    client.close().await.unwrap();

    let stranger = nkeys::KeyPair::new_user().seed().unwrap();
    good.nkey_seed = Some(natskit::config::Secret::new(stranger.clone()));
    good.reconnect.max_attempts = Some(0);
    let err = fails(good).await;
    assert_eq!(err.code(), ErrorCode::Authorization, "{err}");
    assert!(!err.message().contains(&stranger), "{err}");
    assert!(!err.message().contains(&seed), "{err}");
}
