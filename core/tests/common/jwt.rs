//! Operator-mode credentials made at test time: an operator, its accounts and their users,
//! with JWTs signed the way nats-server 2.x checks them, and `.creds` files.
//!
//! A JWT is `base64url(header).base64url(claims).base64url(signature)`, the signature being
//! the issuer's ed25519 nkey over the first two parts; `nats` carries the claim type.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nkeys::KeyPair;
use serde_json::{json, Value};

/// A signed JWT: `subject` claimed by `issuer`, with `nats` as its typed part.
pub fn sign(issuer: &KeyPair, subject: &str, nats: Value) -> String {
    sign_as(issuer, &issuer.public_key(), subject, nats)
}

/// A JWT naming `issuer` but signed by `signer` (a forgery unless they are one key).
fn sign_as(signer: &KeyPair, issuer: &str, subject: &str, nats: Value) -> String {
    let encode = |value: Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let claims = json!({
        "jti": nuid::next().to_string(),
        "iat": now.as_secs(),
        "iss": issuer,
        "sub": subject,
        "name": "natskit test",
        "nats": nats,
    });
    let signed = format!(
        "{}.{}",
        encode(json!({"typ": "JWT", "alg": "ed25519-nkey"})),
        encode(claims)
    );
    let signature = signer.sign(signed.as_bytes()).unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// An operator (self-signed) that trusts the accounts it signs.
pub struct Operator {
    pub key: KeyPair,
    pub jwt: String,
}

impl Operator {
    pub fn new() -> Operator {
        let key = KeyPair::new_operator();
        let jwt = sign(
            &key,
            &key.public_key(),
            json!({"type": "operator", "version": 2}),
        );
        Operator { key, jwt }
    }

    /// An account of this operator without limits (a missing limit means 0 to the server).
    pub fn account(&self) -> Account {
        let key = KeyPair::new_account();
        let limits = json!({
            "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
            "wildcards": true, "conn": -1, "leaf": -1,
        });
        let nats = json!({"type": "account", "version": 2, "limits": limits});
        let jwt = sign(&self.key, &key.public_key(), nats);
        Account { key, jwt }
    }

    /// nats-server configuration trusting this operator and knowing `accounts` (memory
    /// resolver).
    pub fn server_config(&self, accounts: &[&Account]) -> String {
        let preload: Vec<String> = accounts
            .iter()
            .map(|a| format!("  {}: {}", a.key.public_key(), a.jwt))
            .collect();
        format!(
            "operator: {}\nresolver: MEMORY\nresolver_preload: {{\n{}\n}}\n",
            self.jwt,
            preload.join("\n")
        )
    }
}

/// An account: it signs its users.
pub struct Account {
    pub key: KeyPair,
    pub jwt: String,
}

impl Account {
    /// A user of this account without limits.
    pub fn user(&self) -> User {
        self.user_signed_by(&self.key)
    }

    /// A user claiming this account as issuer but signed by `signer` (another account's
    /// key makes a forgery the server must refuse).
    pub fn user_signed_by(&self, signer: &KeyPair) -> User {
        let user = KeyPair::new_user();
        let nats = json!({
            "type": "user", "version": 2, "pub": {}, "sub": {},
            "subs": -1, "data": -1, "payload": -1,
        });
        User {
            jwt: sign_as(signer, &self.key.public_key(), &user.public_key(), nats),
            seed: user.seed().unwrap(),
        }
    }
}

/// A user's JWT and seed.
pub struct User {
    pub jwt: String,
    pub seed: String,
}

impl User {
    /// The standard `.creds` text: the JWT, then the seed, each between its markers.
    pub fn creds(&self) -> String {
        format!(
            "-----BEGIN NATS USER JWT-----\n{}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\n\
             -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n",
            self.jwt, self.seed
        )
    }

    /// Writes [`User::creds`] to `path`.
    pub fn write_creds(&self, path: &Path) {
        std::fs::write(path, self.creds()).unwrap();
    }
}
