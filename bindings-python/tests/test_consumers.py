"""Ordered consumers, push consumers through consume(), consume()'s idle heartbeats, and KV
watches that see nats-py's writes and the reverse; each test starts its own server when it
restarts or kills it."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import datetime, timedelta, timezone
from typing import Iterator

import nats
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
    """A fresh stream `CO<n>` on subjects `co<n>.>`."""
    name = f"CO{next(_names)}"
    js.create_stream(name=name, subjects=[f"{name.lower()}.>"])
    yield name
    js.delete_stream(name)


def _publish(js: natskit.JetStream, subject: str, start: int, end: int) -> None:
    publisher = js.publisher(256)
    for i in range(start, end):
        publisher.publish(subject, f"m{i}")
    assert publisher.wait()["acked"] == end - start


def test_ordered_reads_10k_in_order_across_a_server_restart() -> None:
    with LocalServer() as srv, natskit.connect(srv.url) as nc:
        js = nc.jetstream()
        js.create_stream(name="O", subjects=["o.>"], storage="file")
        _publish(js, "o.x", 0, 5000)
        messages = js.ordered("O", heartbeat=0.3)
        for i in range(10_000):
            if i == 2500:
                srv.start_again()
                _publish(js, "o.y", 5000, 10_000)
            m = messages.next(timeout=10)
            assert m is not None, f"a message after {i}"
            assert m.metadata["stream_seq"] == i + 1
            assert m.data == f"m{i}".encode()
        assert messages.next(timeout=0.3) is None
        messages.stop()


def test_ordered_starts_where_told_filters_and_refuses_bad_options(js: natskit.JetStream, stream: str) -> None:
    subject = stream.lower()
    for s in ("a", "b", "a", "b"):
        js.publish(f"{subject}.{s}", s)

    def read(**options: object) -> list[int]:
        messages = js.ordered(stream, **options)  # type: ignore[arg-type]
        seqs = []
        while (m := messages.next(timeout=0.3)) is not None:
            seqs.append(m.metadata["stream_seq"])
        messages.stop()
        return seqs

    assert read() == [1, 2, 3, 4]
    assert read(filter_subjects=f"{subject}.a") == [1, 3]
    assert read(deliver_policy="last_per_subject", filter_subjects=[f"{subject}.*"]) == [3, 4]
    assert read(opt_start_seq=3) == [3, 4]
    assert read(deliver_policy="last") == [4]
    assert read(opt_start_time=datetime.now(timezone.utc) + timedelta(hours=1)) == []
    assert read(opt_start_time=datetime.now() - timedelta(hours=1), filter_subjects=f"{subject}.b") == [2, 4]
    assert read(opt_start_time="2020-01-01T00:00:00Z") == [1, 2, 3, 4]
    for bad in ({"deliver_policy": "first"}, {"opt_start_seq": 0}, {"heartbeat": -1}, {"batch": 1}):
        with pytest.raises(natskit.InvalidArgumentError):
            js.ordered(stream, **bad)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_asyncio_ordered_iterates(server: LocalServer) -> None:
    nc = await aio.connect(server.url)
    try:
        js = nc.jetstream()
        await js.create_stream(name="AO", subjects=["ao"], storage="memory")
        for i in range(100):
            await js.publish("ao", str(i))
        seen = []
        async for m in await js.ordered("AO"):
            seen.append(int(m.data))
            if len(seen) == 100:
                break
        assert seen == list(range(100))
    finally:
        await nc.close()


def test_consume_raises_not_found_for_a_deleted_consumer_and_timeout_for_a_dead_server() -> None:
    with LocalServer() as srv, natskit.connect(srv.url) as nc:
        js = nc.jetstream()
        js.create_stream(name="H", subjects=["h"], storage="memory")
        for name in ("a", "b"):
            js.create_consumer("H", durable_name=name, ack_policy="explicit")
        a = js.consume("H", "a", heartbeat=0.3)
        assert a.next(timeout=0.8) is None
        js.delete_consumer("H", "a")
        started = time.monotonic()
        with pytest.raises(natskit.NotFoundError):
            a.next()
        assert time.monotonic() - started < 3
        with pytest.raises(natskit.InvalidArgumentError):
            js.consume("H", "b", heartbeat=0.6, expires=1)
        b = js.consume("H", "b", heartbeat=0.3)
        assert b.next(timeout=0.8) is None
        srv.kill()
        started = time.monotonic()
        with pytest.raises(natskit.TimeoutError, match="heartbeat"):
            b.next()
        assert time.monotonic() - started < 3
        b.stop()
        srv.start_again()


def test_consume_reads_a_push_consumer_with_ack_nak_term_and_in_progress(js: natskit.JetStream, stream: str) -> None:
    subject = stream.lower()
    js.create_consumer(
        stream,
        durable_name="push",
        deliver_subject=f"deliver.{subject}",
        deliver_group="g",
        ack_policy="explicit",
        flow_control=True,
        idle_heartbeat=0.5,
    )
    _publish(js, f"{subject}.x", 0, 100)
    messages = js.consume(stream, "push")
    # First deliveries come in order; the nak'd first message comes again among them.
    first, redelivered = 0, False
    while first < 100 or not redelivered:
        m = messages.next(timeout=5)
        assert m is not None
        if m.metadata["delivered"] == 2:
            assert m.metadata["stream_seq"] == 1
            m.double_ack()
            redelivered = True
            continue
        first += 1
        assert m.metadata["stream_seq"] == first
        if first == 1:
            m.nak()
        elif first == 2:
            m.term("bad")
        else:
            m.in_progress()
            m.ack()
    assert messages.next(timeout=1.5) is None
    info = js.consumer_info(stream, "push")
    assert (info["num_ack_pending"], info["num_pending"]) == (0, 0)
    messages.stop()


@pytest.mark.asyncio
async def test_kv_watch_interop_with_nats_py_both_ways(server: LocalServer, subject: str) -> None:
    theirs = await nats.connect(server.url)
    ours = await aio.connect(server.url)
    try:
        kv = await ours.jetstream().create_kv(subject, history=5, storage="memory")
        their_kv = await theirs.jetstream().key_value(subject)
        watch = await kv.watch(">")
        await their_kv.put("color", b"blue")
        await their_kv.delete("color")
        seen = []
        while len(seen) < 2 and (e := await watch.anext(timeout=5)) is not None:
            seen.append((e["key"], e["operation"], e["value"]))
        assert seen == [("color", "PUT", b"blue"), ("color", "DEL", b"")]
        watch.stop()

        their_watch = await their_kv.watch("size.*")
        initial = await their_watch.updates(timeout=5)
        assert initial is None  # nats-py's marker: no current values
        await kv.put("size.shirt", b"L")
        await kv.delete("size.shirt")
        got = await their_watch.updates(timeout=5)
        assert (got.key, got.value, got.operation) == ("size.shirt", b"L", None)
        got = await their_watch.updates(timeout=5)
        assert (got.key, got.operation) == ("size.shirt", "DEL")
        await their_watch.stop()
    finally:
        await theirs.close()
        await ours.close()


@pytest.mark.asyncio
async def test_ordered_reads_what_nats_py_publishes_and_nats_py_orders_what_natskit_publishes(
    server: LocalServer, subject: str
) -> None:
    theirs = await nats.connect(server.url)
    ours = await aio.connect(server.url)
    try:
        name = subject.upper()
        js = ours.jetstream()
        await js.create_stream(name=name, subjects=[f"{subject}.>"], storage="memory")
        their_js = theirs.jetstream()
        for i in range(50):
            await their_js.publish(f"{subject}.py", f"py{i}".encode())
            await js.publish(f"{subject}.kit", f"kit{i}")
        ours_in_order = await js.ordered(name, filter_subjects=f"{subject}.py")
        got = [(await ours_in_order.next(timeout=5)) for _ in range(50)]
        assert [m.data for m in got if m is not None] == [f"py{i}".encode() for i in range(50)]
        await ours_in_order.stop()
        their_sub = await their_js.subscribe(f"{subject}.kit", ordered_consumer=True)
        seen = [(await their_sub.next_msg(timeout=5)).data for _ in range(50)]
        assert seen == [f"kit{i}".encode() for i in range(50)]
        await their_sub.unsubscribe()
    finally:
        await theirs.close()
        await ours.close()


def test_asyncio_is_not_blocked_by_a_waiting_ordered_next(server: LocalServer) -> None:
    async def main() -> float:
        nc = await aio.connect(server.url)
        try:
            js = nc.jetstream()
            await js.create_stream(name="AW", subjects=["aw"], storage="memory")
            messages = await js.ordered("AW")
            started = time.monotonic()
            waiting = asyncio.ensure_future(messages.next(timeout=1))
            await asyncio.sleep(0.1)
            ticked = time.monotonic() - started
            assert await waiting is None
            await messages.stop()
            return ticked
        finally:
            await nc.close()

    assert asyncio.run(main()) < 0.5
