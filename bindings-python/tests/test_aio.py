"""The asyncio API (natskit.aio) against a real server."""

from __future__ import annotations

import asyncio
import threading
from typing import Dict, List

import pytest

import natskit
from natskit import aio
from natskit.testing import LocalServer


@pytest.mark.asyncio
async def test_publish_subscribe_and_async_iteration(server: LocalServer, subject: str) -> None:
    async with await aio.connect(server.url) as nc:
        sub = await nc.subscribe(f"{subject}.*")
        await nc.publish(f"{subject}.a", b"1")
        await nc.publish(f"{subject}.b.c", b"not matched")
        await nc.publish(f"{subject}.b", {"n": 2})
        got = []
        async for msg in sub:
            got.append(msg)
            if len(got) == 2:
                break
        assert [m.subject for m in got] == [f"{subject}.a", f"{subject}.b"]
        assert got[1].json() == {"n": 2}
        assert isinstance(got[0], aio.Message) and isinstance(got[0], natskit.Message)
        assert await sub.next(timeout=0.05) is None
        await sub.unsubscribe()
        assert [m async for m in sub] == []
    assert nc.is_closed


@pytest.mark.asyncio
async def test_request_reply_with_async_callback_and_headers(server: LocalServer, subject: str) -> None:
    nc = await aio.connect(server.url)

    async def echo(msg: aio.Message) -> None:
        await msg.respond(msg.data.upper(), headers={"X-Seen": msg.headers.get_all("X-In")})

    await nc.subscribe(subject, queue="q", callback=echo)
    reply = await nc.request(subject, "hi", headers={"X-In": ["a", "b"]}, timeout=5)
    assert reply.data == b"HI" and reply.headers.get_all("x-seen") == ["a", "b"]
    replies = await asyncio.gather(*(nc.request(subject, str(i), timeout=5) for i in range(20)))
    assert [r.data for r in replies] == [str(i).encode() for i in range(20)]
    await nc.close()


@pytest.mark.asyncio
async def test_plain_function_callback(server: LocalServer, subject: str) -> None:
    async with await aio.connect(server.url) as nc:
        seen: List[bytes] = []
        done = asyncio.Event()

        def collect(msg: aio.Message) -> None:
            seen.append(msg.data)
            if len(seen) == 3:
                done.set()

        await nc.subscribe(subject, callback=collect)
        await nc.publish_many(subject, [b"1", b"2", b"3"])
        await asyncio.wait_for(done.wait(), 5)
        assert seen == [b"1", b"2", b"3"]


@pytest.mark.asyncio
async def test_errors_no_responders_timeout_oversize_subject(server: LocalServer, subject: str) -> None:
    async with await aio.connect(server.url) as nc:
        with pytest.raises(natskit.NoRespondersError):
            await nc.request(subject, b"x")
        listener = await nc.subscribe(subject)
        with pytest.raises(natskit.TimeoutError):
            await nc.request(subject, b"x", timeout=0.2)
        await listener.unsubscribe()
        with pytest.raises(natskit.PayloadTooLargeError):
            await nc.publish(subject, b"x" * (nc.max_payload + 1))
        with pytest.raises(natskit.InvalidSubjectError):
            await nc.publish("bad subject", b"x")
    with pytest.raises(natskit.ClosedError):
        await nc.publish(subject, b"x")


@pytest.mark.asyncio
async def test_queue_group_exactly_once(server: LocalServer, subject: str) -> None:
    async with await aio.connect(server.url) as nc:
        members = [await nc.subscribe(subject, queue="w") for _ in range(3)]
        await nc.publish_many(subject, [str(i) for i in range(1000)])
        await nc.flush()
        seen: List[int] = []
        for member in members:
            while (m := await member.next(timeout=0.3)) is not None:
                seen.append(int(m.data))
        assert sorted(seen) == list(range(1000))


@pytest.mark.asyncio
async def test_manager_events_stats_drain(server: LocalServer, subject: str) -> None:
    async with aio.Manager({"servers": server.url}) as m:
        nc = await m.connection()
        assert await asyncio.wait_for(nc.next_event(), 5) == {"event": "connected"}
        sub = await nc.subscribe(subject)
        await nc.publish(subject, b"x")
        await nc.flush()
        assert nc.stats()["out_msgs"] >= 1
        await nc.drain()
        assert [m.data async for m in sub] == [b"x"]
    with pytest.raises(natskit.ConfigError):
        aio.Manager({"servers": 5})


@pytest.mark.asyncio
async def test_connect_errors(server: LocalServer) -> None:
    with pytest.raises(natskit.ConfigError, match="request_timeout"):
        await aio.connect(server.url, request_timeout="x")
    with LocalServer(jetstream=False) as gone:
        url, port = gone.url, gone.port
    with pytest.raises(natskit.ConnectError, match=f"127.0.0.1:{port}"):
        await aio.connect(url, connect_timeout=2)


@pytest.mark.asyncio
async def test_sync_and_async_clients_talk(server: LocalServer, nc: natskit.Client, subject: str) -> None:
    anc = await aio.connect(server.url)
    sub = await anc.subscribe(subject)
    await anc.flush()
    nc.publish(subject, b"from sync")
    msg = await sub.next(timeout=5)
    assert msg is not None and msg.data == b"from sync"
    await anc.close()


@pytest.mark.asyncio
async def test_cancelled_wait_leaves_the_subscription_usable(server: LocalServer, subject: str) -> None:
    async with await aio.connect(server.url) as nc:
        sub = await nc.subscribe(subject)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(sub.next(), 0.1)
        await nc.publish(subject, b"after cancel")
        msg = await sub.next(timeout=5)
        assert msg is not None and msg.data == b"after cancel"


def test_event_loops_in_two_threads_each_get_their_own_results(server: LocalServer, subject: str) -> None:
    got: Dict[str, List[bytes]] = {}

    async def main(tag: str) -> None:
        async with await aio.connect(server.url) as nc:

            async def echo(msg: aio.Message) -> None:
                await msg.respond(tag.encode() + msg.data)

            await nc.subscribe(f"{subject}.{tag}", callback=echo)
            await nc.flush()
            replies = await asyncio.gather(*(nc.request(f"{subject}.{tag}", str(i), timeout=5) for i in range(50)))
            got[tag] = [r.data for r in replies]

    threads = [threading.Thread(target=asyncio.run, args=(main(tag),)) for tag in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert got == {tag: [f"{tag}{i}".encode() for i in range(50)] for tag in ("a", "b")}
