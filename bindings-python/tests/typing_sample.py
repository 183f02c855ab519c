"""Checked by mypy --strict in test_stubs.py (never run): typical use of both APIs."""

from __future__ import annotations

from typing import List, Optional

import natskit
from natskit import aio
from natskit.testing import LocalServer


def sync_use(server: LocalServer) -> List[str]:
    with natskit.connect(server.url, name="typed") as nc:
        sub: natskit.Subscription = nc.subscribe("typed.>", queue=None)
        nc.publish("typed.a", {"k": 1}, headers={"X": ["1", "2"]})
        msg: Optional[natskit.Message] = sub.next(timeout=1.0)
        names: List[str] = msg.headers.get_all("x") if msg else []
        try:
            reply = nc.request("typed.svc", b"", timeout=0.5)
            names.append(reply.data.decode())
        except natskit.NoRespondersError as e:
            names.append(e.code)
        nc.subscribe("typed.cb", callback=lambda m: m.respond(m.data))
        count: int = nc.process(timeout=0.1)
        names.append(str(count + nc.stats()["out_msgs"]))
        nc.on_event(lambda event: names.append(event["event"]))
    with natskit.connect(server.url).start_dispatcher() as threaded:
        threaded.subscribe("typed.threaded", callback=lambda m: m.respond(m.data))
        return names


async def async_use(server: LocalServer) -> Optional[bytes]:
    async with await aio.connect(server.url) as nc:
        nc.on_event(lambda event: print(event["event"]))
        sub: aio.Subscription = await nc.subscribe("typed.x")
        await nc.publish("typed.x", "text")
        async for msg in sub:
            await sub.unsubscribe()
            return msg.data
    with natskit.Manager({"servers": server.url}) as m:
        m.connection().flush()
    return None


def queue_use(nc: natskit.Client) -> int:
    q: natskit.Queue = nc.queue("typed")
    job_id: Optional[str] = q.push("Typed", {"n": 1}, tries=3, backoff=[1, 5])
    job = q.pop(timeout=1.0)
    if job is not None and job.id == job_id:
        job.release(2.5)
    ids: List[Optional[str]] = q.push_many([{"job": "Typed", "data": i, "unique_key": str(i)} for i in range(3)])
    worker = natskit.Worker(nc, queues=["typed"], stop_when_empty=True, prefetch=16)

    @worker.job("Typed")
    def handle(job: natskit.Job) -> None:
        job.fail(ValueError(str(job.payload)))

    @worker.failed("Typed")
    def failed(job: natskit.Job, error: BaseException) -> None:
        print(job.name, error)

    stats: natskit.WorkerStats = worker.run()
    size: natskit.QueueSize = q.size()
    return stats.processed + size.ready + len(q.failed().list("typed")) + len(ids)


async def async_queue_use(nc: aio.Client) -> int:
    q: aio.Queue = nc.queue("typed")
    await q.later(1.5, "Typed", None)
    more: List[Optional[str]] = await q.push_many(({"job": "Typed", "delay": 1} for _ in range(2)))
    worker = aio.Worker(nc, queues=["typed"], once=True)

    @worker.job("Typed")
    async def handle(job: aio.Job) -> None:
        await job.delete()

    stats = await worker.run()
    return stats.jobs + (await q.size()).delayed + len(more)


def jetstream_use(nc: natskit.Client) -> int:
    js: natskit.JetStream = nc.jetstream()
    info = js.create_stream(name="T", subjects=["t.>"], max_age=60.0)
    ack = js.publish("t.a", b"x", msg_id="1")
    msg = js.fetch_next("T", "c", timeout=1.0)
    if msg is not None:
        msg.nak(delay=0.5)
    for replayed in js.ordered("T", deliver_policy="last_per_subject", filter_subjects=["t.>"], heartbeat=1.0):
        replayed.ack()
        break
    entry = js.create_kv("b").get("k")
    return ack["sequence"] + info["state"]["messages"] + (entry["revision"] if entry else 0)


async def async_jetstream_use(nc: aio.Client) -> int:
    js: aio.JetStream = nc.jetstream()
    msgs = await js.fetch("T", "c", 10, timeout=1.0)
    for m in msgs:
        await m.ack()
    ordered = await js.ordered("T", opt_start_seq=2)
    await ordered.stop()
    return (await js.publisher().wait())["acked"] + len(msgs)
