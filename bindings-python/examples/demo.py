"""natskit from Python: a short sync + asyncio tour against $NATS_URL or an embedded server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import Iterator

import natskit
from natskit import aio
from natskit.testing import LocalServer


@contextlib.contextmanager
def server_url() -> Iterator[str]:
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
        return
    with LocalServer() as server:
        print(f"[python] started a local nats-server at {server.url}")
        yield server.url


def sync_demo(url: str) -> None:
    with natskit.connect(url, name="python-demo") as nc:
        service = nc.subscribe("demo.py.greet", queue="greeters")

        def serve() -> None:
            for msg in service:
                msg.respond(f"hello, {msg.data.decode()}!", headers={"X-Served-By": "sync"})

        threading.Thread(target=serve, daemon=True).start()
        reply = nc.request("demo.py.greet", "sync world", timeout=2)
        print(f"[python sync] request -> {reply.data.decode()!r} (X-Served-By={reply.headers.get('x-served-by')})")

        events = nc.subscribe("demo.py.orders.*")
        nc.publish("demo.py.orders.created", {"id": 42, "total": 9.5}, headers={"X-Trace": ["a", "b"]})
        msg = events.next(timeout=2)
        assert msg is not None
        print(f"[python sync] {msg.subject}: {msg.json()} trace={msg.headers.get_all('X-Trace')}")

        seen = []
        nc.subscribe("demo.py.cb", callback=lambda m: seen.append(m.data))
        nc.publish_many("demo.py.cb", [b"one", b"two", b"three"])
        nc.flush()
        while len(seen) < 3:
            nc.process(timeout=1)
        print(f"[python sync] callbacks ran on the main thread via process(): {seen}")

        try:
            nc.request("demo.py.nobody", b"?", timeout=1)
        except natskit.NoRespondersError as e:
            print(f"[python sync] {type(e).__name__} code={e.code}: {e}")
        service.unsubscribe()
        print(f"[python sync] stats: {nc.stats()}")


async def async_demo(url: str) -> None:
    async with await aio.connect(url) as nc:

        async def shout(msg: aio.Message) -> None:
            await msg.respond(msg.data.upper())

        await nc.subscribe("demo.py.shout", callback=shout)
        replies = await asyncio.gather(*(nc.request("demo.py.shout", w, timeout=2) for w in ("a", "sync", "io")))
        print(f"[python asyncio] gathered replies: {[r.data.decode() for r in replies]}")
        sub = await nc.subscribe("demo.py.ticks")
        await nc.publish_many("demo.py.ticks", [str(i) for i in range(3)])
        ticks = []
        async for msg in sub:
            ticks.append(int(msg.data))
            if len(ticks) == 3:
                break
        print(f"[python asyncio] async for received {ticks}")


def jetstream_demo(url: str) -> None:
    with natskit.connect(url) as nc:
        js = nc.jetstream()
        if not js.is_available():
            print("[python jetstream] the server has no JetStream; skipped")
            return
        if "DEMO_PY" in js.stream_names():
            js.delete_stream("DEMO_PY")
        info = js.create_stream(name="DEMO_PY", subjects=["demo.py.js.>"], max_age=3600)
        print(f"[python jetstream] stream DEMO_PY max_age={info['config']['max_age']} s")
        for i in range(3):
            ack = js.publish(f"demo.py.js.{i}", {"n": i}, msg_id=f"demo-{i}")
        print(f"[python jetstream] published 3, last ack {ack}")
        js.create_consumer("DEMO_PY", durable_name="demo", ack_policy="explicit", ack_wait=30)
        for msg in js.fetch("DEMO_PY", "demo", 3, timeout=2):
            msg.ack()
            print(f"[python jetstream] pulled {msg.json()} seq={msg.metadata['stream_seq']}, acked")
        print(f"[python jetstream] consumer pending={js.consumer_info('DEMO_PY', 'demo')['num_pending']}")
        js.delete_stream("DEMO_PY")


def queue_demo(url: str) -> None:
    with natskit.connect(url, queue={"stream": "DEMO_PY_JOBS", "subject_prefix": "demo.py.jobs"}) as nc:
        q = nc.queue("demo-py")
        q.clear()
        q.push("ProcessOrder", {"order": 1}, tries=2, backoff=0.2)
        q.push("ProcessOrder", {"order": 2})
        worker = natskit.Worker(nc, queues=["demo-py"], sleep=0.5, max_jobs=3)

        @worker.job("ProcessOrder")
        def process(job: natskit.Job) -> None:
            if job.payload["order"] == 1 and job.attempts == 1:
                raise RuntimeError("payment service busy")
            print(f"[python queue] processed order {job.payload['order']} (attempt {job.attempts})")

        worker.on("released")(lambda job, ev: print(f"[python queue] {ev['message']!r}: retry in {ev['delay']} s"))
        stats = worker.run()
        print(f"[python queue] worker stopped ({worker.stop_reason}): {stats}; size now {q.size()}")


def main() -> None:
    with server_url() as url:
        sync_demo(url)
        asyncio.run(async_demo(url))
        jetstream_demo(url)
        queue_demo(url)
    print("[python] done")


if __name__ == "__main__":
    main()
