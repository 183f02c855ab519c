"""Object store from Python: multi-chunk objects with their digest, files both ways, errors,
asyncio, and interop with nats-py's object store both ways."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import nats
import pytest

import natskit
from natskit import aio
from natskit.testing import LocalServer

# 300 KiB: three 128 KiB chunks.
DATA = bytes((i * 31 + 7) % 251 for i in range(300 * 1024))


def digest(data: bytes) -> str:
    return "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


def test_round_trip_files_list_delete_and_errors(nc: natskit.Client, tmp_path: Path) -> None:
    js = nc.jetstream()
    store = js.create_object_store("pyfiles", description="py files", max_age=3600.0, storage="memory")
    assert store.bucket == "pyfiles"
    assert js.stream_info("OBJ_pyfiles")["config"]["max_age"] == 3600.0

    info = store.put("docs/report.bin", DATA, description="report", headers={"X-Kind": "bin"}, metadata={"owner": "ann"})
    assert (info["size"], info["chunks"], info["digest"]) == (len(DATA), 3, digest(DATA))
    assert store.get("docs/report.bin") == DATA
    got = store.info("docs/report.bin")
    assert got["headers"] == {"X-Kind": ["bin"]} and got["metadata"] == {"owner": "ann"}
    assert got["description"] == "report" and got["mtime"].endswith("Z")

    source = tmp_path / "source.bin"
    source.write_bytes(DATA * 2)
    assert store.put_file("copy.bin", source)["digest"] == digest(DATA * 2)
    target = tmp_path / "target.bin"
    assert store.get_file("copy.bin", str(target))["size"] == 2 * len(DATA)
    assert target.read_bytes() == DATA * 2

    assert store.link("latest", "copy.bin")["link"] == {"bucket": "pyfiles", "name": "copy.bin"}
    assert store.get("latest") == DATA * 2
    assert [i["name"] for i in store.list()] == ["copy.bin", "docs/report.bin", "latest"]
    assert js.object_store_names() == ["pyfiles"]

    store.delete("copy.bin")
    with pytest.raises(natskit.NotFoundError) as missing:
        store.info("copy.bin")
    assert missing.value.code == "NOT_FOUND"
    with pytest.raises(natskit.NotFoundError):
        store.get("never")
    with pytest.raises(natskit.NotFoundError):
        store.get_file("never", tmp_path / "never.bin")
    assert not (tmp_path / "never.bin").exists()
    with pytest.raises(natskit.NotFoundError):
        store.delete("never")
    with pytest.raises(natskit.InvalidArgumentError):
        store.put("", b"x")
    with pytest.raises(natskit.InvalidArgumentError):
        store.put("x", b"x", size=1)
    with pytest.raises(natskit.InvalidArgumentError):
        js.create_object_store("bad.name")
    with pytest.raises(natskit.InvalidArgumentError):
        js.create_object_store("ok", max_age=-1)

    store.seal()
    with pytest.raises(natskit.InvalidArgumentError, match="sealed"):
        store.put("more", b"x")
    assert store.get("docs/report.bin") == DATA
    js.delete_object_store("pyfiles")
    with pytest.raises(natskit.NotFoundError):
        js.object_store("pyfiles")


@pytest.mark.asyncio
async def test_asyncio_round_trip(server: LocalServer, tmp_path: Path) -> None:
    async with await aio.connect(server.url) as nc:
        js = nc.jetstream()
        store = await js.create_object_store("pyaio", storage="memory")
        assert isinstance(store, aio.ObjectStore)
        assert (await store.put("a.bin", DATA))["digest"] == digest(DATA)
        assert await store.get("a.bin") == DATA
        path = tmp_path / "a.bin"
        await store.get_file("a.bin", path)
        assert path.read_bytes() == DATA
        assert (await store.put_file("b.bin", path))["chunks"] == 3
        assert [i["name"] for i in await store.list()] == ["a.bin", "b.bin"]
        await store.delete("a.bin")
        with pytest.raises(natskit.NotFoundError):
            await store.info("a.bin")
        await js.delete_object_store("pyaio")


@pytest.mark.asyncio
async def test_nats_py_reads_what_natskit_put_and_the_reverse(server: LocalServer) -> None:
    theirs = await nats.connect(server.url)
    try:
        with natskit.connect(server.url) as nc:
            ours = nc.jetstream().create_object_store("interop")
            their_store = await theirs.jetstream().object_store("interop")

            put = ours.put("from-natskit", DATA, description="kit")
            result = await their_store.get("from-natskit")
            assert result.data == DATA
            assert result.info.digest == put["digest"] == digest(DATA)
            assert result.info.description == "kit" and result.info.size == len(DATA)

            their_info = await their_store.put("from-nats-py", DATA * 2)
            assert ours.get("from-nats-py") == DATA * 2
            info = ours.info("from-nats-py")
            assert info["digest"] == their_info.digest == digest(DATA * 2)
            assert info["chunks"] == their_info.chunks

            await their_store.delete("from-natskit")
            with pytest.raises(natskit.NotFoundError):
                ours.get("from-natskit")
            # nats-py marks the delete with an empty mtime; natskit's listing still reads it.
            assert [i["name"] for i in ours.list()] == ["from-nats-py"]
    finally:
        await theirs.close()


def test_watch_gives_objects_then_puts_and_deletes(nc: natskit.Client) -> None:
    store = nc.jetstream().create_object_store("pywatch", storage="memory")
    store.put("a", b"1")
    watch = store.watch()
    first = watch.next(timeout=2.0)
    assert first is not None and (first["name"], first["deleted"]) == ("a", False)
    assert watch.next(timeout=0.2) is None
    updates = store.watch(updates_only=True, ignore_deletes=True)
    store.put("b", b"22")
    store.delete("a")
    seen = [(i["name"], i["deleted"]) for i in (watch.next(timeout=2.0), watch.next(timeout=2.0)) if i]
    assert seen == [("b", False), ("a", True)]
    got = updates.next(timeout=2.0)
    assert got is not None and got["name"] == "b"
    assert updates.next(timeout=0.2) is None
    with pytest.raises(natskit.InvalidArgumentError):
        store.watch(history=True)
    watch.stop()
    assert list(watch) == []
    updates.stop()
    nc.jetstream().delete_object_store("pywatch")


@pytest.mark.asyncio
async def test_asyncio_watch(server: LocalServer) -> None:
    async with await aio.connect(server.url) as nc:
        store = await nc.jetstream().create_object_store("pyaiowatch", storage="memory")
        await store.put("x", b"1")
        watch = await store.watch()
        async for info in watch:
            assert info["name"] == "x"
            break
        await store.put("y", b"2")
        info = await watch.anext(timeout=2.0)
        assert info is not None and info["name"] == "y"
        watch.stop()
        await nc.jetstream().delete_object_store("pyaiowatch")
