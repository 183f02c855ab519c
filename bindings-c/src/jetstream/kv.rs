//! Key-value buckets: create/open/delete a bucket; put, get, create, update (CAS), delete,
//! purge, keys and history of keys.

use std::ffi::{c_char, c_void};

use natskit::jetstream::Kv;
use natskit::{Error, ErrorCode, Result};

use super::natskit_js;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// A key-value bucket (opaque). Safe to use from several threads at once.
pub struct natskit_kv {
    pub(crate) kv: Kv,
}

fn new_handle(kv: Kv) -> *mut natskit_kv {
    ffi::into_handle(natskit_kv { kv })
}

/// Creates a bucket from `{"bucket", "description", "history", "max_age" (ms), "max_bytes",
/// "max_value_size", "storage": "file"|"memory", "num_replicas"}`.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_create(
    js: *const natskit_js,
    config_json: *const c_char,
    kv_out: *mut *mut natskit_kv,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let config =
            j.js.kv_config(ffi::json_value(config_json, "config_json")?)?;
        let out = ffi::out(kv_out, "kv_out")?;
        *out = new_handle(ffi::block_on(j.js.create_kv(&config))?);
        Ok(())
    })
}

/// Opens an existing bucket; `NATSKIT_STATUS_NOT_FOUND` when there is none.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_open(
    js: *const natskit_js,
    bucket: *const c_char,
    kv_out: *mut *mut natskit_kv,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let bucket = ffi::text(bucket, "bucket")?;
        let out = ffi::out(kv_out, "kv_out")?;
        *out = new_handle(ffi::block_on(j.js.kv(bucket))?);
        Ok(())
    })
}

/// Deletes a bucket and every key in it.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_delete_bucket(
    js: *const natskit_js,
    bucket: *const c_char,
) -> natskit_status {
    ffi::call!(js, |j| j.js.delete_kv(ffi::text(bucket, "bucket")?))
}

/// Sets `key` to `len` bytes at `data`; `*revision_out` is the new revision.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_put(
    kv: *const natskit_kv,
    key: *const c_char,
    data: *const c_void,
    len: usize,
    revision_out: *mut u64,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        let key = ffi::text(key, "key")?;
        let data = ffi::payload(k.kv.client(), data, len)?;
        ffi::answer!(revision_out, k.kv.put(key, data.to_vec()))
    })
}

/// Sets `key` only when it does not exist (or was deleted); `NATSKIT_STATUS_JETSTREAM` otherwise.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_create_key(
    kv: *const natskit_kv,
    key: *const c_char,
    data: *const c_void,
    len: usize,
    revision_out: *mut u64,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        let key = ffi::text(key, "key")?;
        let data = ffi::payload(k.kv.client(), data, len)?;
        ffi::answer!(revision_out, k.kv.create(key, data.to_vec()))
    })
}

/// Sets `key` only when its latest revision is `revision` (compare-and-set);
/// `NATSKIT_STATUS_JETSTREAM` when it moved on.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_update(
    kv: *const natskit_kv,
    key: *const c_char,
    data: *const c_void,
    len: usize,
    revision: u64,
    revision_out: *mut u64,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        let key = ffi::text(key, "key")?;
        let data = ffi::payload(k.kv.client(), data, len)?;
        ffi::answer!(revision_out, k.kv.update(key, data.to_vec(), revision))
    })
}

/// The current value of `key`: `*entry_json_out` is `{"bucket", "key", "revision",
/// "operation", "created", "delta"}` (free with `natskit_string_free`), `*data_out`/`*len_out`
/// the value (free with `natskit_bytes_free`; NULL when empty). `NATSKIT_STATUS_NOT_FOUND`
/// when the key does not exist or was deleted.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_get(
    kv: *const natskit_kv,
    key: *const c_char,
    entry_json_out: *mut *mut c_char,
    data_out: *mut *mut c_void,
    len_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        let key = ffi::text(key, "key")?;
        let out = ffi::JsonWithBytes::new(entry_json_out, "entry_json_out", data_out, len_out)?;
        let entry = ffi::block_on(k.kv.get(key))?.ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("key {key:?} not found in bucket {}", k.kv.bucket()),
            )
        })?;
        out.write(&entry, &entry.value)
    })
}

/// Deletes `key` (its history is kept).
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_delete(
    kv: *const natskit_kv,
    key: *const c_char,
) -> natskit_status {
    ffi::call!(kv, |k| k.kv.delete(ffi::text(key, "key")?))
}

/// Purges `key` and its history.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_purge(
    kv: *const natskit_kv,
    key: *const c_char,
) -> natskit_status {
    ffi::call!(kv, |k| k.kv.purge(ffi::text(key, "key")?))
}

/// Every live key as a JSON array.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_keys(
    kv: *const natskit_kv,
    keys_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        ffi::answer_json!(keys_json_out, k.kv.keys())
    })
}

/// Every kept revision of `key`, oldest first, as a JSON array of entries (as for
/// `natskit_kv_get`) with the value as UTF-8 text in `"value"` (invalid bytes replaced).
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_history(
    kv: *const natskit_kv,
    key: *const c_char,
    history_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let k = ffi::handle(kv, "kv")?;
        let key = ffi::text(key, "key")?;
        let out = ffi::out(history_json_out, "history_json_out")?;
        let entries = ffi::block_on(k.kv.history(key))?
            .iter()
            .map(|e| {
                let mut json = serde_json::to_value(e)?;
                json["value"] = String::from_utf8_lossy(&e.value).into();
                Ok(json)
            })
            .collect::<Result<Vec<_>>>()?;
        *out = ffi::owned_json(&entries)?;
        Ok(())
    })
}

/// Frees the bucket handle. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_kv_free(kv: *mut natskit_kv) {
    guard_value((), || ffi::free_handle(kv))
}
