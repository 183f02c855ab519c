"""The sync API against a real server: pub/sub, wildcards, queues, request/reply, errors."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import List

import pytest

import natskit
from natskit.testing import LocalServer


def test_publish_subscribe_bytes_str_and_json(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(f"{subject}.>")
    nc.publish(f"{subject}.bytes", b"\x00\x01")
    nc.publish(f"{subject}.str", "héllo")
    nc.publish(f"{subject}.json", {"id": 7, "tags": ["a"]})
    nc.publish(f"{subject}.empty")
    got = [sub.next(timeout=5) for _ in range(4)]
    assert [m.subject for m in got if m] == [f"{subject}.{s}" for s in ("bytes", "str", "json", "empty")]
    assert got[0] is not None and got[0].data == b"\x00\x01"
    assert got[1] is not None and got[1].data.decode() == "héllo"
    assert got[2] is not None and got[2].json() == {"id": 7, "tags": ["a"]}
    assert got[3] is not None and got[3].data == b""
    assert sub.next(timeout=0.05) is None


def test_star_matches_one_token_and_gt_matches_the_rest(nc: natskit.Client, subject: str) -> None:
    star = nc.subscribe(f"{subject}.*")
    rest = nc.subscribe(f"{subject}.>")
    for s in (f"{subject}.a", f"{subject}.a.b", f"{subject}x.a", subject):
        nc.publish(s, s)
    nc.flush()
    assert [m.subject for m in star.next_many(10, timeout=2)] == [f"{subject}.a"]
    got = [m.subject for m in rest.next_many(10, timeout=2)]
    while len(got) < 2:
        got += [m.subject for m in rest.next_many(10, timeout=2)]
    assert got == [f"{subject}.a", f"{subject}.a.b"]
    assert star.next(timeout=0.1) is None and rest.next(timeout=0.1) is None


def test_queue_group_delivers_each_message_exactly_once(nc: natskit.Client, subject: str) -> None:
    members = [nc.subscribe(subject, queue="workers") for _ in range(3)]
    assert members[0].queue == "workers"
    nc.publish_many(subject, [str(i) for i in range(1000)])
    nc.flush()
    seen: List[int] = []
    counts = []
    for member in members:
        batch = []
        while (m := member.next(timeout=0.3)) is not None:
            batch.append(int(m.data))
        counts.append(len(batch))
        seen += batch
    assert sorted(seen) == list(range(1000))
    assert sum(1 for c in counts if c > 0) >= 2


def test_request_reply_with_callback_processed_on_the_calling_thread(
    nc: natskit.Client, server: LocalServer, subject: str
) -> None:
    threads: List[str] = []

    def echo(msg: natskit.Message) -> None:
        threads.append(threading.current_thread().name)
        msg.respond(b"re:" + msg.data, headers={"X-Echo": msg.headers.get_all("X-In")})

    nc.subscribe(subject, callback=echo)
    nc.flush()
    with natskit.connect(server.url) as requester:
        result: List[natskit.Message] = []
        t = threading.Thread(
            target=lambda: result.append(
                requester.request(subject, "ping", headers={"X-In": ["1", "2"]}, timeout=5)
            )
        )
        t.start()
        handled = 0
        while handled == 0:
            handled = nc.process(timeout=5)
        t.join(5)
    assert threads == [threading.current_thread().name]
    assert result[0].data == b"re:ping"
    assert result[0].headers.get_all("x-echo") == ["1", "2"]


def test_callback_subscription_is_not_pulled(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject, callback=lambda m: None)
    with pytest.raises(natskit.InvalidArgumentError, match="process"):
        sub.next(timeout=0.01)


def test_callback_exception_propagates_and_keeps_the_rest(nc: natskit.Client, subject: str) -> None:
    seen: List[bytes] = []

    def picky(msg: natskit.Message) -> None:
        if msg.data == b"bad":
            raise RuntimeError("bad message")
        seen.append(msg.data)

    nc.subscribe(subject, callback=picky)
    nc.publish_many(subject, [b"bad", b"good"])
    nc.flush()
    with pytest.raises(RuntimeError, match="bad message"):
        for _ in range(10):
            nc.process(timeout=2)
    assert nc.process(timeout=2) >= 1
    assert seen == [b"good"]


def test_no_responders_is_reported(nc: natskit.Client, subject: str) -> None:
    with pytest.raises(natskit.NoRespondersError) as info:
        nc.request(subject, b"x", timeout=5)
    assert info.value.code == "NO_RESPONDERS" and info.value.number == 7
    assert subject in str(info.value)


def test_request_timeout(nc: natskit.Client, subject: str) -> None:
    listener = nc.subscribe(subject)
    with pytest.raises(natskit.TimeoutError) as info:
        nc.request(subject, b"x", timeout=0.2)
    assert isinstance(info.value, TimeoutError)
    assert info.value.code == "TIMEOUT"
    listener.unsubscribe()


def test_headers_multi_value_and_case_insensitive(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    nc.publish(subject, b"h", headers=[("X-Trace", "a"), ("X-Trace", "b"), ("Other", "c")])
    msg = sub.next(timeout=5)
    assert msg is not None
    h = msg.headers
    assert h["X-TRACE"] == "a" and h.get("other") == "c" and h.get("missing") is None
    assert h.get_all("X-Trace") == ["a", "b"]
    assert "x-trace" in h and "nope" not in h
    with pytest.raises(KeyError):
        h["nope"]
    assert natskit.Headers({"A": ["1", "2"]}).get_all("a") == ["1", "2"]


def test_publish_with_reply_subject(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    nc.publish(subject, b"x", reply=f"{subject}.inbox")
    msg = sub.next(timeout=5)
    assert msg is not None and msg.reply == f"{subject}.inbox"


def test_oversize_payload_is_rejected(nc: natskit.Client, subject: str) -> None:
    with pytest.raises(natskit.PayloadTooLargeError) as info:
        nc.publish(subject, b"x" * (nc.max_payload + 1))
    assert "max_payload" in str(info.value)


@pytest.mark.parametrize("bad", ["", "a b", "a..b", "a.*"])
def test_invalid_subject_is_rejected(nc: natskit.Client, bad: str) -> None:
    with pytest.raises(natskit.InvalidSubjectError):
        nc.publish(bad, b"x")


def test_unsupported_payload_type(nc: natskit.Client, subject: str) -> None:
    with pytest.raises(TypeError, match="payload"):
        nc.publish(subject, object())


def test_unsubscribe_ends_iteration_and_drain_delivers_buffered(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    nc.publish_many(subject, [b"1", b"2"])
    nc.flush()
    sub.drain()
    assert [m.data for m in sub] == [b"1", b"2"]
    other = nc.subscribe(subject)
    other.unsubscribe()
    with pytest.raises(natskit.ClosedError):
        other.next(timeout=0.1)
    assert other.dropped == 0


def test_unsubscribe_from_another_thread_stops_a_blocked_iteration(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    timer = threading.Timer(0.2, sub.unsubscribe)
    timer.start()
    assert list(sub) == []
    timer.join()


def test_stats_events_close_and_context_manager(server: LocalServer, subject: str) -> None:
    with natskit.connect(server.url, name="stats-test") as nc:
        assert (nc.poll_event() or nc.next_event(timeout=2)) == {"event": "connected"}
        sub = nc.subscribe(subject)
        nc.publish(subject, b"12345")
        assert sub.next(timeout=5) is not None
        stats = nc.stats()
        assert stats["out_msgs"] >= 1 and stats["in_msgs"] >= 1 and stats["in_bytes"] >= 5
        assert not nc.is_closed
    assert nc.is_closed
    with pytest.raises(natskit.ClosedError):
        nc.publish(subject, b"late")
    nc.close()


def test_drain_closes_the_client(server: LocalServer, subject: str) -> None:
    nc = natskit.connect(server.url)
    sub = nc.subscribe(subject)
    nc.publish(subject, b"last")
    nc.flush()
    nc.drain()
    assert nc.is_closed
    assert [m.data for m in sub] == [b"last"]


def test_close_flushes_buffered_publishes(nc: natskit.Client, server: LocalServer, subject: str) -> None:
    sub = nc.subscribe(subject)
    nc.flush()
    publisher = natskit.connect(server.url)
    sent = [str(i).encode() for i in range(500)]
    for body in sent:
        publisher.publish(subject, body)
    publisher.close()
    got = []
    for _ in sent:
        msg = sub.next(timeout=2)
        assert msg is not None, f"{len(got)} of {len(sent)} arrived"
        got.append(msg.data)
    assert got == sent


def test_a_process_that_exits_right_after_close_delivered_everything(
    nc: natskit.Client, server: LocalServer, subject: str
) -> None:
    # The child leaves with os._exit: no interpreter teardown, nothing after close() runs.
    sub = nc.subscribe(subject)
    nc.flush()
    child = (
        "import os, sys, natskit\n"
        "c = natskit.connect(sys.argv[1])\n"
        "for i in range(20000): c.publish(sys.argv[2], str(i))\n"
        "c.close()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", child, server.url, subject], check=True, timeout=60)
    got = [m.data.decode() for m in sub.next_many(20000, timeout=2)]
    while len(got) < 20000:
        batch = sub.next_many(20000, timeout=2)
        assert batch, f"{len(got)} of 20000 arrived"
        got += [m.data.decode() for m in batch]
    assert got == [str(i) for i in range(20000)]
