"""natskit vs nats-py: publish-only, pub+sub and sequential request/reply on one server.

Workloads: publish-only 16 B x 1M and 1 KB x 200k, pub+sub 128 B x 200k, request/reply
64 B x 20k (p50/p99). natskit runs its sync API (per-call publish and publish_many) and
its asyncio API; nats-py runs asyncio, as it only has that.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from typing import Callable, Dict, List, Tuple

import nats

import natskit
from natskit import aio
from natskit.testing import LocalServer

PUB_SMALL = int(os.environ.get("BENCH_PUB_SMALL", 1_000_000))
PUB_LARGE = int(os.environ.get("BENCH_PUB_LARGE", 200_000))
PUBSUB = int(os.environ.get("BENCH_PUBSUB", 200_000))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 20_000))
BATCH = 1000


def sync_publish(url: str, size: int, count: int, many: bool) -> float:
    payload = b"x" * size
    with natskit.connect(url) as nc:
        t0 = time.perf_counter()
        if many:
            chunk = [payload] * BATCH
            for _ in range(count // BATCH):
                nc.publish_many("bench.pub", chunk)
        else:
            publish = nc.publish
            for _ in range(count):
                publish("bench.pub", payload)
        nc.flush()
        return count / (time.perf_counter() - t0)


def sync_pubsub(url: str, size: int, count: int) -> float:
    payload = b"x" * size
    with natskit.connect(url) as sub_nc, natskit.connect(url) as pub_nc:
        sub = sub_nc.subscribe("bench.ps")
        sub_nc.flush()
        done = threading.Event()

        def consume() -> None:
            got = 0
            while got < count:
                got += len(sub.next_many(4096, timeout=10))
            done.set()

        t = threading.Thread(target=consume)
        t0 = time.perf_counter()
        t.start()
        chunk = [payload] * BATCH
        for _ in range(count // BATCH):
            pub_nc.publish_many("bench.ps", chunk)
        done.wait(60)
        elapsed = time.perf_counter() - t0
        t.join()
        return count / elapsed


def sync_requests(url: str, size: int, count: int) -> Tuple[float, float]:
    payload = b"x" * size
    with natskit.connect(url) as srv, natskit.connect(url) as nc:
        service = srv.subscribe("bench.rr")
        srv.flush()

        def serve() -> None:
            for msg in service:
                msg.respond(msg.data)

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        lat = []
        for _ in range(count):
            t0 = time.perf_counter()
            nc.request("bench.rr", payload, timeout=5)
            lat.append(time.perf_counter() - t0)
        service.unsubscribe()
        return percentiles(lat)


async def aio_publish(url: str, size: int, count: int, kit: bool) -> float:
    payload = b"x" * size
    nc = await (aio.connect(url) if kit else nats.connect(url))
    t0 = time.perf_counter()
    publish = nc.publish
    for _ in range(count):
        await publish("bench.pub", payload)
    await nc.flush()
    rate = count / (time.perf_counter() - t0)
    await nc.close()
    return rate


async def aio_pubsub(url: str, size: int, count: int, kit: bool) -> float:
    payload = b"x" * size
    connect = aio.connect if kit else nats.connect
    sub_nc, pub_nc = await connect(url), await connect(url)
    done = asyncio.Event()
    got = 0
    if kit:
        sub = await sub_nc.subscribe("bench.ps")

        async def consume() -> None:
            nonlocal got
            async for _ in sub:
                got += 1
                if got == count:
                    done.set()
                    return

        task = asyncio.ensure_future(consume())
    else:

        async def cb(_msg: object) -> None:
            nonlocal got
            got += 1
            if got == count:
                done.set()

        await sub_nc.subscribe("bench.ps", cb=cb, pending_msgs_limit=count + 1, pending_bytes_limit=-1)
    await sub_nc.flush()
    t0 = time.perf_counter()
    for i in range(count):
        await pub_nc.publish("bench.ps", payload)
        if i % 4096 == 0:
            await asyncio.sleep(0)
    await asyncio.wait_for(done.wait(), 60)
    rate = count / (time.perf_counter() - t0)
    await pub_nc.close()
    await sub_nc.close()
    if kit:
        await task
    return rate


async def aio_requests(url: str, size: int, count: int, kit: bool) -> Tuple[float, float]:
    payload = b"x" * size
    connect = aio.connect if kit else nats.connect
    srv, nc = await connect(url), await connect(url)

    async def echo(msg: aio.Message) -> None:
        await msg.respond(msg.data)

    if kit:
        await srv.subscribe("bench.rr", callback=echo)
    else:
        await srv.subscribe("bench.rr", cb=echo)
    await srv.flush()
    lat = []
    for _ in range(count):
        t0 = time.perf_counter()
        await nc.request("bench.rr", payload, timeout=5)
        lat.append(time.perf_counter() - t0)
    await nc.close()
    await srv.close()
    return percentiles(lat)


def percentiles(lat: List[float]) -> Tuple[float, float]:
    q = statistics.quantiles(lat, n=100)
    return q[49] * 1e6, q[98] * 1e6


def main() -> None:
    with LocalServer(jetstream=False) as server:
        url = server.url
        run = asyncio.run
        rows: List[Tuple[str, str, str, float, float, float]] = []

        def rate_row(name: str, kit_sync: Callable[[], float], kit_many: Callable[[], float], kit_aio: Callable[[], float], peer: Callable[[], float]) -> None:
            theirs = peer()
            for label, fn in (("sync publish()", kit_sync), ("sync publish_many()", kit_many), ("asyncio", kit_aio)):
                if fn is None:
                    continue
                ours = fn()
                rows.append((name, label, "msgs/s", ours, theirs, ours / theirs))

        rate_row(
            f"publish 16 B x {PUB_SMALL:,}",
            lambda: sync_publish(url, 16, PUB_SMALL, False),
            lambda: sync_publish(url, 16, PUB_SMALL, True),
            lambda: run(aio_publish(url, 16, PUB_SMALL, True)),
            lambda: run(aio_publish(url, 16, PUB_SMALL, False)),
        )
        rate_row(
            f"publish 1 KB x {PUB_LARGE:,}",
            lambda: sync_publish(url, 1024, PUB_LARGE, False),
            lambda: sync_publish(url, 1024, PUB_LARGE, True),
            lambda: run(aio_publish(url, 1024, PUB_LARGE, True)),
            lambda: run(aio_publish(url, 1024, PUB_LARGE, False)),
        )
        theirs = run(aio_pubsub(url, 128, PUBSUB, False))
        for label, ours in (
            ("sync publish_many + next_many", sync_pubsub(url, 128, PUBSUB)),
            ("asyncio", run(aio_pubsub(url, 128, PUBSUB, True))),
        ):
            rows.append((f"pub+sub 128 B x {PUBSUB:,}", label, "msgs/s", ours, theirs, ours / theirs))
        t50, t99 = run(aio_requests(url, 64, REQUESTS, False))
        for label, (o50, o99) in (
            ("sync", sync_requests(url, 64, REQUESTS)),
            ("asyncio", run(aio_requests(url, 64, REQUESTS, True))),
        ):
            rows.append((f"request 64 B x {REQUESTS:,} p50", label, "µs", o50, t50, t50 / o50))
            rows.append((f"request 64 B x {REQUESTS:,} p99", label, "µs", o99, t99, t99 / o99))

    print("### Python: natskit vs nats-py 2.16.0 (ratio > 1 means natskit is better)\n")
    print("| workload | natskit API | unit | natskit | nats-py | ratio |")
    print("|---|---|---|---:|---:|---:|")
    for name, label, unit, ours, theirs, ratio in rows:
        print(f"| {name} | {label} | {unit} | {ours:,.0f} | {theirs:,.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
