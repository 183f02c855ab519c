//! Object store buckets: create/open/delete a bucket; put (bytes or a file, streamed), get
//! (bytes or to a file, streamed, digest checked), info, list, delete, link and seal.
//! Object infos are JSON text (`natskit_string_free`): `{"bucket", "name", "description",
//! "headers", "metadata", "size", "chunks", "digest", "mtime", "nuid", "deleted", "link"}`.

use std::ffi::{c_char, c_void};

use natskit::jetstream::{ObjectInfo, ObjectPutOptions, ObjectStore};
use natskit::Result;

use super::natskit_js;
use crate::error::natskit_status;
use crate::ffi;
use crate::panic::{guard, guard_value};

/// An object store bucket (opaque). Safe to use from several threads at once.
pub struct natskit_obj {
    pub(crate) store: ObjectStore,
}

/// Creates a bucket from `{"bucket", "description", "max_age" (TTL, ms), "max_bytes",
/// "storage": "file"|"memory", "num_replicas", "compression"}` (or opens the same one).
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_create(
    js: *const natskit_js,
    config_json: *const c_char,
    obj_out: *mut *mut natskit_obj,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let config =
            j.js.object_store_config(ffi::json_value(config_json, "config_json")?)?;
        let out = ffi::out(obj_out, "obj_out")?;
        let store = ffi::block_on(j.js.create_object_store(&config))?;
        *out = ffi::into_handle(natskit_obj { store });
        Ok(())
    })
}

/// Opens an existing bucket; `NATSKIT_STATUS_NOT_FOUND` when there is none.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_open(
    js: *const natskit_js,
    bucket: *const c_char,
    obj_out: *mut *mut natskit_obj,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        let bucket = ffi::text(bucket, "bucket")?;
        let out = ffi::out(obj_out, "obj_out")?;
        let store = ffi::block_on(j.js.object_store(bucket))?;
        *out = ffi::into_handle(natskit_obj { store });
        Ok(())
    })
}

/// Deletes a bucket and every object in it.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_delete_bucket(
    js: *const natskit_js,
    bucket: *const c_char,
) -> natskit_status {
    ffi::call!(js, |j| j
        .js
        .delete_object_store(ffi::text(bucket, "bucket")?))
}

/// The names of every bucket as a JSON array.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_buckets(
    js: *const natskit_js,
    names_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let j = ffi::handle(js, "js")?;
        ffi::answer_json!(names_json_out, j.js.object_store_names())
    })
}

/// Writes `info` to an optional out-param (NULL: the caller does not want it).
unsafe fn optional_info(info_json_out: *mut *mut c_char, info: &ObjectInfo) -> Result<()> {
    if let Some(out) = info_json_out.as_mut() {
        *out = ffi::owned_json(info)?;
    }
    Ok(())
}

unsafe fn put_options(options_json: *const c_char) -> Result<ObjectPutOptions> {
    ObjectPutOptions::from_host(ffi::json_value(options_json, "options_json")?)
}

/// Stores `len` bytes at `data` as object `name`. `options_json` (or NULL):
/// `{"description", "headers", "metadata", "chunk_size"}`. `*info_json_out` (may be NULL)
/// is the stored object's info.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_put(
    obj: *const natskit_obj,
    name: *const c_char,
    data: *const c_void,
    len: usize,
    options_json: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let name = ffi::text(name, "name")?;
        let data = ffi::bytes(data, len, "data")?;
        let options = put_options(options_json)?;
        let info = ffi::block_on(o.store.put_bytes(name, data, &options))?;
        optional_info(info_json_out, &info)
    })
}

/// Stores the file at `path` as object `name`, reading it a chunk at a time (never whole).
/// Options and `*info_json_out` as for `natskit_obj_put`.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_put_file(
    obj: *const natskit_obj,
    name: *const c_char,
    path: *const c_char,
    options_json: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let name = ffi::text(name, "name")?;
        let path = ffi::text(path, "path")?;
        let options = put_options(options_json)?;
        let info = ffi::block_on(o.store.put_file(name, path, &options))?;
        optional_info(info_json_out, &info)
    })
}

/// Object `name` in memory, its digest checked: `*info_json_out` is its info,
/// `*data_out`/`*len_out` its bytes (free with `natskit_bytes_free`; NULL when empty).
/// `NATSKIT_STATUS_NOT_FOUND` when there is no such object.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_get(
    obj: *const natskit_obj,
    name: *const c_char,
    info_json_out: *mut *mut c_char,
    data_out: *mut *mut c_void,
    len_out: *mut usize,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let name = ffi::text(name, "name")?;
        let out = ffi::JsonWithBytes::new(info_json_out, "info_json_out", data_out, len_out)?;
        let (info, data) = ffi::block_on(o.store.get_bytes(name))?;
        out.write(&info, &data)
    })
}

/// Writes object `name` to the file at `path` a chunk at a time; the file is removed again
/// when the object cannot be read whole with the right digest. `*info_json_out` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_get_file(
    obj: *const natskit_obj,
    name: *const c_char,
    path: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let name = ffi::text(name, "name")?;
        let path = ffi::text(path, "path")?;
        let info = ffi::block_on(o.store.get_to_file(name, path))?;
        optional_info(info_json_out, &info)
    })
}

/// The info of object `name`; `NATSKIT_STATUS_NOT_FOUND` when there is none.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_info(
    obj: *const natskit_obj,
    name: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let name = ffi::text(name, "name")?;
        ffi::answer_json!(info_json_out, o.store.info(name))
    })
}

/// The infos of every object in the bucket, sorted by name, as a JSON array.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_list(
    obj: *const natskit_obj,
    list_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        ffi::answer_json!(list_json_out, o.store.list())
    })
}

/// Deletes object `name`; `NATSKIT_STATUS_NOT_FOUND` when there is none.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_delete(
    obj: *const natskit_obj,
    name: *const c_char,
) -> natskit_status {
    ffi::call!(obj, |o| o.store.delete(ffi::text(name, "name")?))
}

/// Makes `name` a link to object `target` of the same bucket. `*info_json_out` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_link(
    obj: *const natskit_obj,
    name: *const c_char,
    target: *const c_char,
    info_json_out: *mut *mut c_char,
) -> natskit_status {
    guard(|| {
        let o = ffi::handle(obj, "obj")?;
        let name = ffi::text(name, "name")?;
        let target = ffi::text(target, "target")?;
        let info = ffi::block_on(o.store.link(name, target))?;
        optional_info(info_json_out, &info)
    })
}

/// Seals the bucket: later puts and deletes fail with `NATSKIT_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_seal(obj: *const natskit_obj) -> natskit_status {
    ffi::call!(obj, |o| o.store.seal())
}

/// Frees the bucket handle. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn natskit_obj_free(obj: *mut natskit_obj) {
    guard_value((), || ffi::free_handle(obj))
}
