"""natskit and nats-py on the same server: messages and requests both ways, headers intact."""

from __future__ import annotations

import asyncio

import nats
import pytest

from natskit import aio
from natskit.testing import LocalServer


@pytest.mark.asyncio
async def test_messages_both_ways_with_headers(server: LocalServer, subject: str) -> None:
    theirs = await nats.connect(server.url)
    ours = await aio.connect(server.url)
    try:
        their_sub = await theirs.subscribe(f"{subject}.to-py")
        our_sub = await ours.subscribe(f"{subject}.to-kit")
        await ours.flush()
        await theirs.flush()

        await ours.publish(f"{subject}.to-py", b"from natskit", headers={"X-One": "1", "X-Kit": "k"})
        msg = await their_sub.next_msg(timeout=5)
        assert msg.data == b"from natskit"
        assert msg.headers is not None and msg.headers["X-One"] == "1" and msg.headers["X-Kit"] == "k"

        await theirs.publish(f"{subject}.to-kit", b"from nats-py", headers={"X-Py": "p"})
        got = await our_sub.next(timeout=5)
        assert got is not None and got.data == b"from nats-py" and got.headers["x-py"] == "p"
    finally:
        await theirs.close()
        await ours.close()


@pytest.mark.asyncio
async def test_requests_both_ways(server: LocalServer, subject: str) -> None:
    theirs = await nats.connect(server.url)
    ours = await aio.connect(server.url)
    try:

        async def their_echo(msg: "nats.aio.msg.Msg") -> None:
            await msg.respond(b"py:" + msg.data)

        async def our_echo(msg: aio.Message) -> None:
            await msg.respond(b"kit:" + msg.data, headers={"X-Req": msg.headers.get("X-Req", "")})

        await theirs.subscribe(f"{subject}.py", cb=their_echo)
        await ours.subscribe(f"{subject}.kit", callback=our_echo)
        await theirs.flush()
        await ours.flush()

        reply = await ours.request(f"{subject}.py", b"a", timeout=5)
        assert reply.data == b"py:a"
        their_reply = await theirs.request(f"{subject}.kit", b"b", timeout=5, headers={"X-Req": "42"})
        assert their_reply.data == b"kit:b"
        assert their_reply.headers is not None and their_reply.headers["X-Req"] == "42"
    finally:
        await asyncio.gather(theirs.close(), ours.close())
