//! `natskit_manager`: named connections from a configuration, opened on first use.

use std::ffi::c_char;

use natskit::{Config, Manager};

use crate::client::natskit_client;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// Holds the configured connections (opaque).
pub struct natskit_manager {
    manager: Manager,
}

/// Creates a manager from configuration JSON (`{"default": …, "connections": {…}}` or one
/// connection's keys), or from the environment (`NATS_URL`, `NATSKIT_CONFIG`, …) when
/// `config_json` is NULL. Nothing connects until `natskit_manager_connection`.
#[no_mangle]
pub unsafe extern "C" fn natskit_manager_new(
    config_json: *const c_char,
    manager_out: *mut *mut natskit_manager,
) -> natskit_status {
    guard(|| {
        let json = ffi::optional_text(config_json, "config_json")?;
        let out = ffi::out(manager_out, "manager_out")?;
        let config = match json {
            Some(text) => Config::from_json(text)?,
            None => Config::from_env()?,
        };
        *out = ffi::into_handle(natskit_manager {
            manager: Manager::new(config),
        });
        Ok(())
    })
}

/// The named connection (NULL = the default one), connecting on first use. The returned
/// client handle shares the manager's connection: free it with `natskit_client_free`
/// (that does not close the connection; `natskit_manager_close` does).
#[no_mangle]
pub unsafe extern "C" fn natskit_manager_connection(
    manager: *const natskit_manager,
    name: *const c_char,
    client_out: *mut *mut natskit_client,
) -> natskit_status {
    guard(|| {
        let m = ffi::handle(manager, "manager")?;
        let name = ffi::optional_text(name, "name")?;
        let out = ffi::out(client_out, "client_out")?;
        let client = ffi::block_on(m.manager.connection(name))?;
        let name = name.unwrap_or(&m.manager.config().default);
        *out = natskit_client::new_handle(client, name);
        Ok(())
    })
}

/// Flushes and closes one named connection; the next `natskit_manager_connection` reopens it.
#[no_mangle]
pub unsafe extern "C" fn natskit_manager_close(
    manager: *const natskit_manager,
    name: *const c_char,
) -> natskit_status {
    ffi::call!(manager, |m| m.manager.close(ffi::text(name, "name")?))
}

/// Flushes and closes every open connection of the manager.
#[no_mangle]
pub unsafe extern "C" fn natskit_manager_close_all(
    manager: *const natskit_manager,
) -> natskit_status {
    ffi::call!(manager, |m| m.manager.close_all())
}

/// Frees the manager (connections still referenced by client handles stay usable). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_manager_free(manager: *mut natskit_manager) {
    guard_value((), || ffi::free_handle(manager))
}
