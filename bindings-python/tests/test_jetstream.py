"""JetStream from Python (sync and asyncio) against a real server."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Iterator, List

import pytest

import natskit
from natskit import aio
from natskit.testing import LocalServer

_names = itertools.count()


@pytest.fixture
def js(nc: natskit.Client) -> natskit.JetStream:
    return nc.jetstream()


@pytest.fixture
def stream(js: natskit.JetStream) -> Iterator[str]:
    """A fresh stream `PY<n>` on subjects `py<n>.>`."""
    name = f"PY{next(_names)}"
    js.create_stream(name=name, subjects=[f"{name.lower()}.>"])
    yield name
    js.delete_stream(name)


def wait_for(check: "object", what: str) -> None:
    """The server updates some counters just after an ack: poll a condition for 3 s."""
    deadline = time.monotonic() + 3
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_stream_config_round_trips_with_durations_in_seconds(js: natskit.JetStream) -> None:
    info = js.create_stream(
        {"name": "RT", "subjects": ["rt.>"], "storage": "memory", "retention": "limits"},
        description="round trip",
        max_msgs=500,
        max_bytes=1 << 20,
        max_age=3600.5,
        max_msg_size=2048,
        discard="new",
        duplicate_window=30,
        num_replicas=1,
        allow_msg_ttl=True,
    )
    read = js.stream_info("RT")["config"]
    for config in (info["config"], read):
        assert config["max_age"] == 3600.5 and config["duplicate_window"] == 30.0
        assert (config["max_msgs"], config["max_bytes"], config["max_msg_size"]) == (500, 1 << 20, 2048)
        assert (config["storage"], config["discard"], config["description"]) == ("memory", "new", "round trip")
        assert config["num_replicas"] == 1 and config["allow_msg_ttl"] is True
    updated = js.update_stream(read, max_msgs=10, subjects=["rt.>", "rt2.>"])
    assert updated["config"]["max_msgs"] == 10 and updated["config"]["subjects"] == ["rt.>", "rt2.>"]
    js.delete_stream("RT")
    with pytest.raises(natskit.NotFoundError) as e:
        js.stream_info("RT")
    assert e.value.server_code == 10059


def test_publish_ack_counters_messages_purge(js: natskit.JetStream, stream: str) -> None:
    subject = stream.lower()
    acks = [js.publish(f"{subject}.{i % 2}", {"i": i}, headers={"X-I": str(i)}) for i in range(10)]
    assert [a["sequence"] for a in acks] == list(range(1, 11))
    assert acks[0]["stream"] == stream and acks[0]["duplicate"] is False
    state = js.stream_info(stream)["state"]
    assert (state["messages"], state["first_seq"], state["last_seq"]) == (10, 1, 10)
    msg = js.get_message(stream, 3)
    assert msg["subject"] == f"{subject}.0" and msg["sequence"] == 3 and msg["headers"]["x-i"] == "2"
    assert msg["data"] == b'{"i":2}'
    last = js.get_last_message(stream, f"{subject}.1")
    assert last["sequence"] == 10
    js.delete_message(stream, 3)
    with pytest.raises(natskit.NotFoundError):
        js.get_message(stream, 3)
    assert js.purge_stream(stream, subject=f"{subject}.0", keep=1) == 3
    assert js.purge_stream(stream) == 6
    assert js.stream_info(stream)["state"]["messages"] == 0


def test_dedup_and_expected_last_sequence(js: natskit.JetStream, stream: str) -> None:
    subject = f"{stream.lower()}.x"
    first = js.publish(subject, b"a", msg_id="order-1")
    again = js.publish(subject, b"a", msg_id="order-1")
    assert (again["sequence"], again["duplicate"]) == (first["sequence"], True)
    assert js.publish(subject, b"b", expected_last_seq=first["sequence"])["sequence"] == first["sequence"] + 1
    with pytest.raises(natskit.JetStreamError) as e:
        js.publish(subject, b"c", expected_last_seq=first["sequence"])
    assert e.value.server_code == 10071
    with pytest.raises(natskit.JetStreamError):
        js.publish(subject, b"d", expected_stream="OTHER")


def test_list_streams_is_paged(js: natskit.JetStream) -> None:
    names = [f"PAGE{i}" for i in range(260)]
    for name in names:
        js.create_stream(name=name, subjects=[f"page.{name}"], storage="memory")
    try:
        first = js.list_streams()
        assert first["total"] >= 260 and first["offset"] == 0 and len(first["items"]) == first["limit"]
        seen = [s["config"]["name"] for s in first["items"]]
        offset = first["limit"]
        while offset < first["total"]:
            page = js.list_streams(offset)
            seen += [s["config"]["name"] for s in page["items"]]
            offset += page["limit"]
        assert set(names) <= set(seen)
        assert set(js.stream_names(subject="page.>")) == set(names)
    finally:
        for name in names:
            js.delete_stream(name)


def test_consumer_config_counters_fetch_metadata(js: natskit.JetStream, stream: str) -> None:
    subject = stream.lower()
    info = js.create_consumer(
        stream,
        durable_name="work",
        filter_subject=f"{subject}.>",
        deliver_policy="all",
        ack_policy="explicit",
        ack_wait=30,
        max_deliver=5,
        max_ack_pending=100,
        replay_policy="instant",
        description="pull",
        inactive_threshold=3600,
    )
    config = js.consumer_info(stream, "work")["config"]
    for c in (info["config"], config):
        assert (c["ack_wait"], c["max_deliver"], c["max_ack_pending"], c["inactive_threshold"]) == (30.0, 5, 100, 3600.0)
        assert (c["ack_policy"], c["deliver_policy"], c["description"]) == ("explicit", "all", "pull")
    for i in range(5):
        js.publish(f"{subject}.{i}", str(i))
    assert js.consumer_info(stream, "work")["num_pending"] == 5
    batch = js.fetch(stream, "work", 3, timeout=2)
    assert [m.data for m in batch] == [b"0", b"1", b"2"]
    meta = batch[1].metadata
    assert (meta["stream"], meta["consumer"], meta["stream_seq"], meta["consumer_seq"]) == (stream, "work", 2, 2)
    assert (meta["delivered"], meta["pending"]) == (1, 3) and meta["timestamp"].endswith("Z")
    for m in batch:
        m.double_ack()
    info2 = js.consumer_info(stream, "work")
    assert (info2["num_pending"], info2["num_ack_pending"], info2["num_redelivered"]) == (2, 0, 0)
    page = js.list_consumers(stream)
    assert page["total"] == 1 and page["items"][0]["name"] == "work"
    assert js.consumer_names(stream) == ["work"]
    updated = js.update_consumer(stream, config, max_deliver=7)
    assert updated["config"]["max_deliver"] == 7
    paused = js.pause_consumer(stream, "work", 60)
    assert paused["paused"] is True and 0 < (paused["pause_remaining"] or 0) <= 60
    assert js.resume_consumer(stream, "work")["paused"] is False
    js.delete_consumer(stream, "work")
    with pytest.raises(natskit.NotFoundError) as e:
        js.consumer_info(stream, "work")
    assert e.value.server_code == 10014


def test_fetch_timeout_leaves_no_waiting_pull(js: natskit.JetStream, stream: str) -> None:
    js.create_consumer(stream, durable_name="idle", ack_policy="explicit")
    assert js.fetch(stream, "idle", 10, timeout=0.3) == []
    assert js.fetch_next(stream, "idle", no_wait=True) is None
    wait_for(lambda: js.consumer_info(stream, "idle")["num_waiting"] == 0, "num_waiting back to 0")


def test_nak_delay_term_and_in_progress(js: natskit.JetStream, stream: str) -> None:
    subject = stream.lower()
    js.create_consumer(stream, durable_name="acks", ack_policy="explicit", ack_wait=1.0)
    js.publish(f"{subject}.nak", b"n")
    msg = js.fetch_next(stream, "acks", timeout=2)
    assert msg is not None
    nak_at = time.monotonic()
    msg.nak(delay=0.8)
    again = js.fetch_next(stream, "acks", timeout=3)
    assert again is not None and again.metadata["delivered"] == 2
    assert time.monotonic() - nak_at >= 0.8
    again.term("not wanted")
    assert js.fetch_next(stream, "acks", timeout=1.5) is None
    js.publish(f"{subject}.slow", b"s")
    slow = js.fetch_next(stream, "acks", timeout=2)
    assert slow is not None
    for _ in range(4):
        time.sleep(0.4)
        slow.in_progress()
    assert js.consumer_info(stream, "acks")["num_redelivered"] == 0
    slow.ack()
    wait_for(lambda: js.consumer_info(stream, "acks")["num_ack_pending"] == 0, "acked")
    assert js.fetch_next(stream, "acks", timeout=1.2) is None


def test_consume_delivers_in_order_until_stopped(js: natskit.JetStream, stream: str) -> None:
    subject = stream.lower()
    js.create_consumer(stream, durable_name="live", ack_policy="explicit")
    for i in range(3):
        js.publish(f"{subject}.{i}", str(i))
    msgs = js.consume(stream, "live", batch=2, expires=1)
    first = msgs.next(timeout=2)
    assert isinstance(first, natskit.JsMessage) and first.data == b"0"
    assert first.metadata["consumer"] == "live"
    first.ack()
    for i in range(3, 6):
        js.publish(f"{subject}.{i}", str(i))
    seen = [first.data]
    for msg in msgs:
        seen.append(msg.data)
        msg.ack()
        if len(seen) == 6:
            threading.Timer(0.3, msgs.stop).start()
    assert seen == [str(i).encode() for i in range(6)]
    with pytest.raises(natskit.ClosedError):
        msgs.next(timeout=0.1)
    assert list(msgs) == []
    wait_for(lambda: js.consumer_info(stream, "live")["num_ack_pending"] == 0, "every message acked")
    assert js.consumer_info(stream, "live")["num_pending"] == 0


def test_consume_next_times_out_when_idle_and_refuses_bad_options(js: natskit.JetStream, stream: str) -> None:
    js.create_consumer(stream, durable_name="quiet", ack_policy="explicit")
    msgs = js.consume(stream, "quiet", expires=0.5)
    started = time.monotonic()
    assert msgs.next(timeout=0.3) is None
    assert 0.25 <= time.monotonic() - started < 2
    js.publish(f"{stream.lower()}.late", b"late")
    late = msgs.next(timeout=3)  # the pull was renewed after expiring
    assert late is not None and late.data == b"late"
    late.nak(delay=5)
    msgs.stop()
    for bad in ({"batch": 0}, {"batch": 1.5}, {"expires": -1}, {"expires": 0}, {"max": 3}):
        with pytest.raises(natskit.InvalidArgumentError):
            js.consume(stream, "quiet", **bad)  # type: ignore[arg-type]
    with pytest.raises(natskit.NotFoundError):
        js.consume(stream, "missing")


def test_async_publisher_pipelines(js: natskit.JetStream, stream: str) -> None:
    publisher = js.publisher(max_in_flight=64)
    subject = f"{stream.lower()}.p"
    assert publisher.publish_many(subject, (b"x" * 16 for _ in range(2000))) == 2000
    publisher.publish(subject, b"dup", msg_id="d1")
    publisher.publish(subject, b"dup", msg_id="d1")
    summary = publisher.wait()
    assert summary == {"acked": 2002, "duplicates": 1, "last_sequence": 2001}
    assert publisher.in_flight == 0
    assert js.stream_info(stream)["state"]["messages"] == 2001


def test_key_value(js: natskit.JetStream) -> None:
    kv = js.create_kv("pybucket", history=5, max_age=120, storage="memory")
    assert kv.bucket == "pybucket"
    watch = kv.watch("user.>")
    r1 = kv.put("user.1", b"ada")
    r2 = kv.put("user.1", {"name": "ada"})
    entry = kv.get("user.1")
    assert entry is not None and (entry["value"], entry["revision"], entry["operation"]) == (b'{"name":"ada"}', r2, "PUT")
    with pytest.raises(natskit.JetStreamError):
        kv.create("user.1", b"again")
    assert kv.create("user.2", b"bob") > r2
    with pytest.raises(natskit.JetStreamError):
        kv.update("user.1", b"stale", r1)
    r3 = kv.update("user.1", b"fresh", r2)
    assert sorted(kv.keys()) == ["user.1", "user.2"]
    kv.delete("user.2")
    assert kv.get("user.2") is None and kv.keys() == ["user.1"]
    assert [h["revision"] for h in kv.history("user.1")] == [r1, r2, r3]
    kv.purge("user.1")
    assert kv.get("user.1") is None
    seen: List[str] = []
    while (e := watch.next(timeout=1)) is not None:
        seen.append(f"{e['key']}:{e['operation']}")
    watch.stop()
    assert seen[:3] == ["user.1:PUT", "user.1:PUT", "user.2:PUT"] and seen[-1] == "user.1:PURGE"
    assert js.kv("pybucket").bucket == "pybucket"
    js.delete_kv("pybucket")
    with pytest.raises(natskit.NotFoundError):
        js.kv("pybucket")
    assert js.account_info()["streams"] >= 0


def _drain(watch: natskit.KvWatch, timeout: float = 0.3) -> List[str]:
    seen: List[str] = []
    while (e := watch.next(timeout=timeout)) is not None:
        seen.append(f"{e['key']}={e['value'].decode()}" if e["operation"] == "PUT" else f"{e['key']}:{e['operation']}")
    return seen


def test_kv_watch_current_values_then_updates(js: natskit.JetStream) -> None:
    kv = js.create_kv("pywatch", history=5, storage="memory")
    kv.put("color", b"red")
    kv.put("color", b"blue")
    kv.put("size", b"L")
    kv.delete("size")
    watch = kv.watch(">")
    assert watch.initial_done is False
    assert _drain(watch) == ["color=blue", "size:DEL"]
    assert watch.initial_done is True
    assert _drain(kv.watch(">", include_history=True)) == ["color=red", "color=blue", "size=L", "size:DEL"]
    assert _drain(kv.watch("color", ignore_deletes=True)) == ["color=blue"]
    assert _drain(kv.watch(">", ignore_deletes=True)) == ["color=blue"]
    updates = kv.watch(">", updates_only=True)
    assert updates.initial_done is True and updates.next(timeout=0.3) is None
    kv.put("size", b"M")
    kv.purge("color")
    assert _drain(updates) == ["size=M", "color:PURGE"]
    with pytest.raises(natskit.InvalidArgumentError):
        kv.watch(">", include_history=True, updates_only=True)
    with pytest.raises(natskit.InvalidArgumentError):
        kv.watch(">", history=True)
    watch.stop()
    with pytest.raises(natskit.ClosedError):
        watch.next(timeout=0.1)
    assert list(watch) == []


def test_kv_watch_iterates_until_stopped_from_another_thread(js: natskit.JetStream) -> None:
    kv = js.create_kv("pyiter", storage="memory")
    kv.put("color", b"blue")
    watch = kv.watch()
    threading.Timer(0.5, watch.stop).start()
    started = time.monotonic()
    assert [e["value"] for e in watch] == [b"blue"]
    assert time.monotonic() - started < 3


def test_jetstream_not_enabled() -> None:
    with LocalServer(jetstream=False) as plain, natskit.connect(plain.url) as nc:
        js = nc.jetstream()
        assert js.is_available() is False
        with pytest.raises(natskit.JetStreamNotEnabledError):
            js.account_info()
        with pytest.raises(natskit.JetStreamNotEnabledError):
            js.create_stream(name="X", subjects=["x"])


@pytest.mark.asyncio
async def test_asyncio_stream_fetch_acks_and_kv(server: LocalServer) -> None:
    async with await aio.connect(server.url) as nc:
        js = nc.jetstream()
        assert await js.is_available()
        await js.create_stream(name="AIO", subjects=["aio.js.>"], max_age=60)
        assert (await js.stream_info("AIO"))["config"]["max_age"] == 60.0
        ack = await js.publish("aio.js.a", b"1", msg_id="m")
        assert (await js.publish("aio.js.a", b"1", msg_id="m"))["duplicate"] and ack["sequence"] == 1
        publisher = js.publisher()
        await publisher.publish_many("aio.js.b", [b"2", b"3"])
        assert (await publisher.wait())["acked"] == 2
        await js.create_consumer("AIO", durable_name="c", ack_policy="explicit")
        msgs = await js.fetch("AIO", "c", 3, timeout=2)
        assert [m.data for m in msgs] == [b"1", b"2", b"3"] and isinstance(msgs[0], aio.JsMessage)
        await msgs[0].double_ack()
        await msgs[1].term()
        await msgs[2].nak()
        redelivered = await js.fetch_next("AIO", "c", timeout=2)
        assert redelivered is not None and redelivered.metadata["delivered"] == 2
        await redelivered.ack()
        assert await js.fetch_next("AIO", "c", no_wait=True) is None
        assert (await js.list_consumers("AIO"))["total"] == 1
        kv = await js.create_kv("aiokv", history=5)
        await kv.put("color", "blue")
        watch = await kv.watch()
        rev = await kv.put("k", "v")
        first = await watch.anext(timeout=2)
        assert first is not None and (first["key"], first["value"]) == ("color", b"blue")
        entry = await watch.anext(timeout=2)
        assert entry is not None and entry["revision"] == rev and watch.initial_done
        await kv.delete("k")
        seen = []
        async for e in await kv.watch("k", include_history=True):
            seen.append(e["operation"])
            if len(seen) == 2:
                asyncio.get_running_loop().call_later(0.2, watch.stop)
                break
        assert seen == ["PUT", "DEL"]
        assert [e["operation"] async for e in watch] == ["DEL"]
        assert await kv.keys() == ["color"]
        await js.delete_kv("aiokv")
        await js.delete_stream("AIO")
        with pytest.raises(natskit.NotFoundError):
            await js.stream_info("AIO")


@pytest.mark.asyncio
async def test_asyncio_consume(server: LocalServer) -> None:
    async with await aio.connect(server.url) as nc:
        js = nc.jetstream()
        await js.create_stream(name="AIOC", subjects=["aio.c.>"])
        await js.create_consumer("AIOC", durable_name="c", ack_policy="explicit")
        await js.publish("aio.c.a", b"1")
        msgs = await js.consume("AIOC", "c", batch=4)
        first = await anext(msgs)
        assert isinstance(first, aio.JsMessage) and first.data == b"1"
        await first.ack()
        assert await msgs.next(timeout=0.2) is None
        await js.publish("aio.c.b", b"2")
        await js.publish("aio.c.c", b"3")
        seen = []
        async for msg in msgs:
            seen.append(msg.data)
            await msg.ack()
            if len(seen) == 2:
                asyncio.get_running_loop().call_later(0.2, lambda: asyncio.ensure_future(msgs.stop()))
        assert seen == [b"2", b"3"]
        assert [m async for m in msgs] == []
        with pytest.raises(natskit.ClosedError):
            await msgs.next(timeout=0.1)
        for _ in range(60):
            info = await js.consumer_info("AIOC", "c")
            if info["num_ack_pending"] == 0:
                break
            await asyncio.sleep(0.05)
        assert (info["num_pending"], info["num_ack_pending"]) == (0, 0)
        await js.delete_stream("AIOC")


def test_durations_are_seconds_and_ttls_are_whole_seconds(js: natskit.JetStream) -> None:
    js.create_stream(name="UNITS", subjects=["units.>"], storage="memory", max_age=90.0, allow_msg_ttl=True)
    assert js.stream_info("UNITS")["config"]["max_age"] == 90.0
    info = js.create_consumer("UNITS", durable_name="u", ack_policy="explicit", ack_wait=2.5, backoff=[2.5, 4.0], max_deliver=3)
    assert info["config"]["ack_wait"] == 2.5 and info["config"]["backoff"] == [2.5, 4.0]
    for bad in (1.5, 0.5, -1.0, float("nan")):
        with pytest.raises(natskit.InvalidArgumentError):
            js.publish("units.a", b"x", ttl=bad)
    with pytest.raises(natskit.InvalidArgumentError, match="max_age"):
        js.create_stream(name="BAD", subjects=["bad"], max_age=-1.0)
    ack = js.publish("units.a", b"x", ttl=2.0)
    assert js.get_message("UNITS", ack["sequence"])["headers"]["Nats-TTL"] == "2"
    assert js.stream_info("UNITS")["state"]["messages"] == 1


def test_health_reports_what_is_missing_and_what_lags(nc: natskit.Client, js: natskit.JetStream, stream: str) -> None:
    js.create_consumer(stream, durable_name="reader")
    for i in range(3):
        js.publish(f"{stream.lower()}.x", i)
    ok = nc.health()
    assert (ok["status"], ok["checks"][0]["name"]) == ("OK", "connection")
    assert 0 < ok["checks"][0]["rtt"] < 1, "seconds, as every Python duration"
    missing = nc.health(streams=[stream, "GONE"], rtt={"crit": 60})
    assert missing["status"] == "CRITICAL"
    assert {c["name"]: c["status"] for c in missing["checks"]} == {
        "connection": "OK", "jetstream": "OK", f"stream:{stream}": "OK", "stream:GONE": "CRITICAL",
    }
    lagging = nc.health(consumers=[f"{stream}:reader"], lag={"warn": 2})
    assert lagging["status"] == "WARNING"
    assert lagging["checks"][-1]["lag"] == 3
    with pytest.raises(natskit.InvalidArgumentError):
        nc.health(consumers=["no-colon"])
    with pytest.raises(natskit.InvalidArgumentError):
        nc.health(age={"warn": float("nan")})


@pytest.mark.asyncio
async def test_health_from_asyncio(server: LocalServer) -> None:
    from natskit import aio

    nc = await aio.connect(server.url)
    report = await nc.health(jetstream=True)
    assert report["status"] == "OK"
    assert [c["name"] for c in report["checks"]] == ["connection", "jetstream"]
    await nc.close()
