"""Event callbacks (sync thread, asyncio loop) and the sync dispatcher thread, against real servers."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest

import natskit
import natskit.aio
from natskit.testing import LocalServer


def names(events: List[dict[str, Any]]) -> List[str]:
    # `connected` may be recorded just before or after registration; I/O errors vary.
    return [e["event"] for e in events if e["event"] not in ("connected", "client_error")]


def native_threads(name: str) -> int:
    """Threads of this process with that (Linux, 15-character) name."""
    return sum(p.read_text().strip() == name[:15] for p in Path("/proc/self/task").glob("*/comm"))


def until(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def unraisable() -> Iterator[List[Any]]:
    """What reached sys.unraisablehook during the test."""
    seen: List[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        yield seen
    finally:
        sys.unraisablehook = previous


def test_sync_event_callback_sees_a_restart_then_closed_in_order(unraisable: List[Any]) -> None:
    with LocalServer() as srv:
        nc = natskit.connect(srv.url)
        seen: List[dict[str, Any]] = []
        threads = set()

        def on_event(event: dict[str, Any]) -> None:
            threads.add(threading.current_thread().name)
            seen.append(event)

        nc.on_event(on_event)
        srv.start_again()
        until(lambda: "reconnected" in names(seen))
        nc.close()
        # close() returns once the callback has seen `closed`.
        assert names(seen) == ["disconnected", "reconnected", "draining", "closed"], seen
        assert threading.get_native_id() not in threads
        assert native_threads("natskit-events") == 0, "the event thread ended after closed"
        assert nc.poll_event() == {"event": "connected"}, "the poll queue is independent"
    assert unraisable == []


def test_an_event_callback_that_raises_is_reported_and_keeps_receiving(unraisable: List[Any]) -> None:
    with LocalServer() as srv:
        nc = natskit.connect(srv.url)
        seen: List[str] = []

        def on_event(event: dict[str, Any]) -> None:
            seen.append(event["event"])
            raise ValueError(f"bad {event['event']}")

        nc.on_event(on_event)
        nc.close()
    assert seen[-1] == "closed"
    assert [str(u.exc_value) for u in unraisable] == [f"bad {name}" for name in seen]


@pytest.mark.asyncio
async def test_asyncio_event_callback_runs_on_the_loop_in_order() -> None:
    with LocalServer() as srv:
        nc = await natskit.aio.connect(srv.url)
        loop = asyncio.get_running_loop()
        seen: List[dict[str, Any]] = []
        closed = asyncio.Event()

        async def on_event(event: dict[str, Any]) -> None:
            assert asyncio.get_running_loop() is loop
            seen.append(event)
            if event["event"] == "closed":
                closed.set()

        nc.on_event(on_event)
        await asyncio.to_thread(srv.start_again)
        for _ in range(500):
            if "reconnected" in names(seen):
                break
            await asyncio.sleep(0.02)
        await nc.close()
        await asyncio.wait_for(closed.wait(), 5)
        assert names(seen) == ["disconnected", "reconnected", "draining", "closed"], seen


def test_dispatcher_thread_answers_a_request_from_the_same_thread(server: LocalServer, subject: str) -> None:
    nc = natskit.connect(server.url).start_dispatcher()
    threads = set()

    def double(msg: natskit.Message) -> None:
        threads.add(threading.get_native_id())
        msg.respond(str(int(msg.data) * 2))

    nc.subscribe(subject, callback=double)
    assert [nc.request(subject, str(n), timeout=2.0).data for n in (1, 2, 3)] == [b"2", b"4", b"6"]
    assert len(threads) == 1 and threading.get_native_id() not in threads
    assert native_threads("natskit-dispatch") == 1
    with pytest.raises(natskit.NatsError) as err:
        nc.process(0.1)
    assert err.value.code == "INVALID_ARGUMENT"
    nc.close()


def test_close_waits_for_the_busy_callback_and_stops_the_thread(server: LocalServer, subject: str, unraisable: List[Any]) -> None:
    nc = natskit.connect(server.url).start_dispatcher()
    observer = natskit.connect(server.url)
    inbox = observer.subscribe(f"{subject}.inbox")
    observer.flush()
    started = threading.Event()
    finished = []

    def slow(msg: natskit.Message) -> None:
        started.set()
        time.sleep(0.5)
        msg.respond("late but delivered")
        finished.append(True)

    nc.subscribe(subject, callback=slow)
    nc.publish(subject, "x", reply=f"{subject}.inbox")
    assert started.wait(5)
    nc.close()
    assert finished == [True], "close() waited for the callback in progress"
    assert nc.is_closed
    reply = inbox.next(2.0)
    assert reply is not None and reply.data == b"late but delivered"
    observer.close()
    assert native_threads("natskit-dispatch") == 0, "close() joined the thread"
    assert unraisable == [], [u.exc_value for u in unraisable]


def test_a_callback_that_raises_is_reported_and_the_dispatcher_carries_on(server: LocalServer, subject: str, unraisable: List[Any]) -> None:
    nc = natskit.connect(server.url).start_dispatcher()

    def picky(msg: natskit.Message) -> None:
        if msg.data == b"bad":
            raise RuntimeError("callback failed")
        msg.respond(b"ok:" + msg.data)

    nc.subscribe(subject, callback=picky)
    nc.publish(subject, "bad")
    assert nc.request(subject, "good", timeout=2.0).data == b"ok:good"
    nc.close()
    assert [str(u.exc_value) for u in unraisable] == ["callback failed"]
    assert unraisable[0].object is picky


def test_close_from_inside_a_callback_does_not_deadlock(server: LocalServer, subject: str, unraisable: List[Any]) -> None:
    nc = natskit.connect(server.url).start_dispatcher()
    done = threading.Event()

    def closer(msg: natskit.Message) -> None:
        nc.close()
        done.set()

    nc.subscribe(subject, callback=closer)
    nc.publish(subject, "x")
    assert done.wait(5)
    until(lambda: nc.is_closed)
    nc.close()
    assert unraisable == []


def test_drain_runs_the_callbacks_of_what_was_buffered(server: LocalServer, subject: str) -> None:
    nc = natskit.connect(server.url).start_dispatcher()
    got: List[bytes] = []
    gate = threading.Event()

    def held(msg: natskit.Message) -> None:
        gate.wait(5)
        got.append(msg.data)

    nc.subscribe(subject, callback=held)
    for i in range(5):
        nc.publish(subject, str(i))
    nc.flush()
    gate.set()
    nc.drain()
    assert got == [b"0", b"1", b"2", b"3", b"4"]
    assert native_threads("natskit-dispatch") == 0


def test_the_dispatcher_ends_when_the_connection_closes_another_way(
    server: LocalServer, subject: str, unraisable: List[Any]
) -> None:
    with natskit.Manager({"servers": server.url}) as manager:
        nc = manager.connection().start_dispatcher()
        nc.subscribe(subject, callback=lambda m: None)
        until(lambda: native_threads("natskit-dispatch") == 1, 5.0)
    until(lambda: native_threads("natskit-dispatch") == 0, 5.0)
    assert unraisable == [], [u.exc_value for u in unraisable]
