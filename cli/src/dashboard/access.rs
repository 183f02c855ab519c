//! Who may use the dashboard: a token off loopback (bearer or basic auth), loopback host
//! names without one (so a rebound DNS name cannot read it), and for actions a CSRF token
//! from the page plus a same-origin `Origin` / `Sec-Fetch-Site`.

use std::net::{IpAddr, SocketAddr};

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine;
use natskit::{Error, ErrorCode};

/// The environment variable read when `--dashboard-token` is not given.
pub const TOKEN_ENV: &str = "NATSKIT_DASHBOARD_TOKEN";

/// The header an action carries the page's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A request the dashboard turns down: its status and why.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: &'static str,
}

/// The dashboard's access rules.
pub struct Access {
    token: Option<String>,
    csrf: String,
}

impl Access {
    /// Rules for serving on `listen`; off loopback without a token it refuses to start.
    pub fn new(listen: SocketAddr, token: Option<String>) -> natskit::Result<Access> {
        let token = token.filter(|t| !t.is_empty());
        if token.is_none() && !listen.ip().is_loopback() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "--listen {listen} is not a loopback address: give --dashboard-token (or \
                     {TOKEN_ENV}) so that only you can use the dashboard (the global --token \
                     is the NATS server's)"
                ),
            ));
        }
        Ok(Access {
            token,
            csrf: random_hex(32)?,
        })
    }

    /// The CSRF token the page carries.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a request may read: it carries the token, or (without one) names a loopback
    /// host.
    pub fn admit(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        match &self.token {
            Some(token) if presented(headers).is_some_and(|t| same(t.as_bytes(), token.as_bytes())) => {
                Ok(())
            }
            Some(_) => Err(Refusal {
                status: StatusCode::UNAUTHORIZED,
                message: "this dashboard needs its token (Authorization: Bearer TOKEN, or TOKEN as the basic-auth password)",
            }),
            None if header_text(headers, header::HOST).is_some_and(is_loopback_host) => Ok(()),
            None => Err(Refusal {
                status: StatusCode::FORBIDDEN,
                message: "this dashboard answers loopback host names only (localhost, 127.0.0.1, [::1])",
            }),
        }
    }

    /// Whether an admitted request may act: the page's CSRF token, and when the browser says
    /// where the request comes from, this same origin.
    pub fn allow_action(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let forbidden = |message| {
            Err(Refusal {
                status: StatusCode::FORBIDDEN,
                message,
            })
        };
        let csrf = header_text(headers, header::HeaderName::from_static(CSRF_HEADER));
        if !csrf.is_some_and(|t| same(t.as_bytes(), self.csrf.as_bytes())) {
            return forbidden("actions need the page's CSRF token (reload the page)");
        }
        if let Some(site) = header_text(headers, header::HeaderName::from_static("sec-fetch-site"))
        {
            if site != "same-origin" {
                return forbidden("actions come from the dashboard's own page only");
            }
        }
        if let Some(origin) = header_text(headers, header::ORIGIN) {
            // https too: behind a TLS proxy the page's origin is https://HOST.
            let host = header_text(headers, header::HOST).unwrap_or_default();
            let own = ["http://", "https://"].map(|scheme| format!("{scheme}{host}"));
            if !own.iter().any(|o| o == origin) {
                return forbidden("actions come from the dashboard's own origin only");
            }
        }
        Ok(())
    }
}

/// The token of `Authorization: Bearer T`, or the password of `Authorization: Basic …`.
fn presented(headers: &HeaderMap) -> Option<String> {
    let value = header_text(headers, header::AUTHORIZATION)?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return text
            .split_once(':')
            .map(|(_, password)| password.to_string());
    }
    None
}

fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `localhost`, a 127.0.0.0/8 address or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Compares secrets in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `bytes` random bytes from the kernel, as hex.
fn random_hex(bytes: usize) -> natskit::Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Error::new(ErrorCode::Io, format!("cannot read /dev/urandom: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_named_or_numbered_with_any_port() {
        for host in [
            "localhost",
            "LOCALHOST:8222",
            "127.0.0.1:80",
            "127.9.9.9",
            "[::1]:8222",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8222",
            "10.0.0.1:8222",
            "[2001:db8::1]:80",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn actions_need_the_csrf_token_and_the_pages_origin() {
        let access = Access::new("127.0.0.1:0".parse().unwrap(), None).unwrap();
        let csrf = access.csrf().to_string();
        let allowed = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, "dash.example:8222".parse().unwrap());
            for (name, value) in pairs {
                headers.insert(*name, value.parse().unwrap());
            }
            access.allow_action(&headers).is_ok()
        };
        assert!(
            allowed(&[(CSRF_HEADER, &csrf)]),
            "a client that sends no Origin"
        );
        assert!(allowed(&[
            (CSRF_HEADER, &csrf),
            ("origin", "http://dash.example:8222"),
            ("sec-fetch-site", "same-origin")
        ]));
        assert!(
            allowed(&[
                (CSRF_HEADER, &csrf),
                ("origin", "https://dash.example:8222")
            ]),
            "behind a TLS proxy"
        );
        assert!(
            !allowed(&[("origin", "http://dash.example:8222")]),
            "no CSRF token"
        );
        assert!(!allowed(&[(CSRF_HEADER, &csrf[1..])]), "a shorter token");
        assert!(!allowed(&[
            (CSRF_HEADER, &csrf),
            ("origin", "http://dash.example:8223")
        ]));
        assert!(!allowed(&[(CSRF_HEADER, &csrf), ("origin", "null")]));
        assert!(!allowed(&[
            (CSRF_HEADER, &csrf),
            ("sec-fetch-site", "same-site")
        ]));
    }

    #[test]
    fn off_loopback_needs_a_token() {
        let wide: SocketAddr = "0.0.0.0:8222".parse().unwrap();
        assert_eq!(
            Access::new(wide, None).err().unwrap().code(),
            ErrorCode::InvalidArgument
        );
        assert!(
            Access::new(wide, Some(String::new())).is_err(),
            "an empty token is none"
        );
        assert!(Access::new(wide, Some("s3cret".into())).is_ok());
        assert!(Access::new("127.0.0.1:0".parse().unwrap(), None).is_ok());
    }
}
