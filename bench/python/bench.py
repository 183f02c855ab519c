"""natskit vs nats-py: publish-only, pub+sub and sequential request/reply on one server.

Workloads: publish-only 16 B x 1M and 1 KB x 200k, pub+sub 128 B x 200k, request/reply
64 B x 20k (p50/p99); JetStream publish with ack 128 B (sequential 20k, pipelined 100k with
<= 256 in flight), pull-consume + ack 100k x 128 B in batches of 256; job queue push (push() per job and
one push_many()) and push_many+work+ack of 256 B jobs with 1 and 4 worker threads, each with the
default prefetch and prefetch=64 (natskit only: nats-py has no queue); KV put and get round trips
(sequential 20k x 128 B), object store put and get of a 100 MB object (MB/s) and an ordered
consumer replaying 100k x 128 B (msgs/s). natskit runs its sync API (per-call publish and publish_many) and
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
JS_SEQ = int(os.environ.get("BENCH_JS_SEQ", 20_000))
JS_PIPE = int(os.environ.get("BENCH_JS_PIPE", 100_000))
JS_PULL = int(os.environ.get("BENCH_JS_PULL", 100_000))
JOBS = int(os.environ.get("BENCH_JOBS", 20_000))
KV_OPS = int(os.environ.get("BENCH_KV", 20_000))
OBJ_MB = int(os.environ.get("BENCH_OBJ_MB", 100))
ORDERED = int(os.environ.get("BENCH_ORDERED", 100_000))
IN_FLIGHT = 256
# Pulls ask for at most what is left, so the last one does not wait out its expiry for
# messages that will never come (nats-py's fetch returns what is there; natskit's fetch,
# like async-nats' batch, waits until max messages arrived or the timeout passed).
PULL_BATCH = 256
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


async def aio_service_requests(url: str, size: int, count: int, kit: bool) -> Tuple[float, float, float]:
    """A services (micro) echo endpoint, requested sequentially: p50, p99 (µs) and requests/s."""
    payload = b"x" * size
    connect = aio.connect if kit else nats.connect
    srv, nc = await connect(url), await connect(url)
    if kit:
        service = await srv.add_service("bench", "1.0.0")
        endpoint = await service.add_endpoint("bench.svc")

        async def serve() -> None:
            async for request in endpoint:
                await request.respond(request.data)

        task = asyncio.create_task(serve())
    else:
        from nats.micro import add_service
        from nats.micro.service import EndpointConfig

        async def echo(request: "object") -> None:
            await request.respond(request.data)  # type: ignore[attr-defined]

        service = await add_service(srv, name="bench", version="1.0.0")
        await service.add_endpoint(EndpointConfig(name="echo", subject="bench.svc", handler=echo))
    await srv.flush()
    lat = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        await nc.request("bench.svc", payload, timeout=5)
        lat.append(time.perf_counter() - t0)
    rate = count / (time.perf_counter() - started)
    await service.stop()
    if kit:
        await task
    await nc.close()
    await srv.close()
    p50, p99 = percentiles(lat)
    return p50, p99, rate


def js_stream(js: natskit.JetStream, name: str) -> None:
    if name in js.stream_names():
        js.delete_stream(name)
    js.create_stream(name=name, subjects=[f"{name.lower()}.>"], storage="file")


def sync_js_publish(url: str, count: int, pipelined: bool) -> float:
    payload = b"x" * 128
    with natskit.connect(url) as nc:
        js = nc.jetstream()
        js_stream(js, "BJS")
        t0 = time.perf_counter()
        if pipelined:
            pub = js.publisher(IN_FLIGHT)
            chunk = [payload] * BATCH
            for _ in range(count // BATCH):
                pub.publish_many("bjs.p", chunk)
            assert pub.wait()["acked"] == count
        else:
            for _ in range(count):
                js.publish("bjs.p", payload)
        return count / (time.perf_counter() - t0)


def fill(url: str, count: int) -> None:
    with natskit.connect(url) as nc:
        js = nc.jetstream()
        js_stream(js, "BPULL")
        pub = js.publisher(IN_FLIGHT)
        chunk = [b"x" * 128] * BATCH
        for _ in range(count // BATCH):
            pub.publish_many("bpull.m", chunk)
        pub.wait()
        js.create_consumer("BPULL", durable_name="c", ack_policy="explicit", max_ack_pending=-1)


def sync_js_pull(url: str, count: int) -> float:
    fill(url, count)
    with natskit.connect(url) as nc:
        js = nc.jetstream()
        got = 0
        t0 = time.perf_counter()
        while got < count:
            for msg in js.fetch("BPULL", "c", min(PULL_BATCH, count - got), timeout=5):
                msg.ack()
                got += 1
        nc.flush()
        return count / (time.perf_counter() - t0)


async def aio_js_publish(url: str, count: int, pipelined: bool, kit: bool) -> float:
    payload = b"x" * 128
    with natskit.connect(url) as nc:
        js_stream(nc.jetstream(), "BJS")
    if kit:
        anc = await aio.connect(url)
        ajs = anc.jetstream()
        t0 = time.perf_counter()
        if pipelined:
            pub = ajs.publisher(IN_FLIGHT)
            for _ in range(count):
                await pub.publish("bjs.p", payload)
            await pub.wait()
        else:
            for _ in range(count):
                await ajs.publish("bjs.p", payload)
        rate = count / (time.perf_counter() - t0)
        await anc.close()
        return rate
    pnc = await nats.connect(url)
    pjs = pnc.jetstream()
    t0 = time.perf_counter()
    if pipelined:
        window = asyncio.Semaphore(IN_FLIGHT)
        pending = set()

        async def one() -> None:
            try:
                await pjs.publish("bjs.p", payload)
            finally:
                window.release()

        for _ in range(count):
            await window.acquire()
            task = asyncio.ensure_future(one())
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
    else:
        for _ in range(count):
            await pjs.publish("bjs.p", payload)
    rate = count / (time.perf_counter() - t0)
    await pnc.close()
    return rate


async def aio_js_pull(url: str, count: int, kit: bool) -> float:
    fill(url, count)
    got = 0
    if kit:
        anc = await aio.connect(url)
        ajs = anc.jetstream()
        t0 = time.perf_counter()
        while got < count:
            for msg in await ajs.fetch("BPULL", "c", min(PULL_BATCH, count - got), timeout=5):
                await msg.ack()
                got += 1
        await anc.flush()
        rate = count / (time.perf_counter() - t0)
        await anc.close()
        return rate
    pnc = await nats.connect(url)
    psub = await pnc.jetstream().pull_subscribe("bpull.m", durable="c", stream="BPULL")
    t0 = time.perf_counter()
    while got < count:
        for m in await psub.fetch(min(PULL_BATCH, count - got), timeout=5):
            await m.ack()
            got += 1
    await pnc.flush()
    rate = count / (time.perf_counter() - t0)
    await pnc.close()
    return rate


QUEUE_CONFIG = {"stream": "BENCH_JOBS", "subject_prefix": "bench.jobs", "failed_bucket": "bench_failed", "unique_bucket": "bench_unique"}
JOB_DATA = "x" * 256


def queue_push(url: str, count: int, many: bool) -> float:
    """Jobs/s pushing 256 B jobs one call each or in one push_many."""
    with natskit.connect(url, queue=QUEUE_CONFIG) as nc:
        q = nc.queue("benchpush")
        q.clear()
        t0 = time.perf_counter()
        if many:
            q.push_many([{"job": "Bench", "data": JOB_DATA}] * count)
        else:
            for _ in range(count):
                q.push("Bench", JOB_DATA)
        rate = count / (time.perf_counter() - t0)
        q.clear()
        return rate


def queue_rate(url: str, count: int, concurrency: int, prefetch: int) -> float:
    """Jobs/s from the first push (one push_many) to the last ack, 256 B jobs, sync Worker."""
    with natskit.connect(url, queue=QUEUE_CONFIG) as nc:
        q = nc.queue(f"bench{concurrency}_{prefetch}")
        q.clear()
        t0 = time.perf_counter()
        q.push_many([{"job": "Bench", "data": JOB_DATA}] * count)
        worker = natskit.Worker(nc, queues=[q.name], sleep=0.5, stop_when_empty=True, concurrency=concurrency, prefetch=prefetch)
        worker.job("Bench")(lambda job: None)
        stats = worker.run()
        assert stats.processed == count, stats
        return count / (time.perf_counter() - t0)


def sync_kv(url: str, count: int) -> Tuple[float, float]:
    """KV put, then get, round trips per second (sequential, 128 B values)."""
    value = b"x" * 128
    with natskit.connect(url) as nc:
        kv = nc.jetstream().create_kv("bkvsync", storage="file")
        t0 = time.perf_counter()
        for i in range(count):
            kv.put(f"k{i % 100}", value)
        puts = count / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i in range(count):
            kv.get(f"k{i % 100}")
        gets = count / (time.perf_counter() - t0)
        nc.jetstream().delete_kv("bkvsync")
        return puts, gets


async def aio_kv(url: str, count: int, kit: bool) -> Tuple[float, float]:
    value = b"x" * 128
    nc = await (aio.connect(url) if kit else nats.connect(url))
    js = nc.jetstream()
    bucket = "bkvkit" if kit else "bkvpy"
    kv = await (js.create_kv(bucket, storage="file") if kit else js.create_key_value(bucket=bucket))
    t0 = time.perf_counter()
    for i in range(count):
        await kv.put(f"k{i % 100}", value)
    puts = count / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(count):
        await kv.get(f"k{i % 100}")
    gets = count / (time.perf_counter() - t0)
    await (js.delete_kv(bucket) if kit else js.delete_key_value(bucket))
    await nc.close()
    return puts, gets


def object_data(mb: int) -> bytes:
    return os.urandom(1024 * 1024) * mb


def sync_object(url: str, data: bytes) -> Tuple[float, float]:
    """Object store put, then get, of one object in MB/s."""
    mb = len(data) / 1e6
    with natskit.connect(url) as nc:
        js = nc.jetstream()
        store = js.create_object_store("bobjsync")
        t0 = time.perf_counter()
        store.put("big", data)
        put = mb / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert len(store.get("big")) == len(data)
        get = mb / (time.perf_counter() - t0)
        js.delete_object_store("bobjsync")
        return put, get


async def aio_object(url: str, data: bytes, kit: bool) -> Tuple[float, float]:
    mb = len(data) / 1e6
    nc = await (aio.connect(url) if kit else nats.connect(url))
    js = nc.jetstream()
    bucket = "bobjkit" if kit else "bobjpy"
    store = await (js.create_object_store(bucket) if kit else js.create_object_store(bucket=bucket))
    t0 = time.perf_counter()
    await store.put("big", data)
    put = mb / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    got = await store.get("big")
    assert len(got if kit else got.data) == len(data)
    get = mb / (time.perf_counter() - t0)
    await js.delete_object_store(bucket)
    await nc.close()
    return put, get


def sync_ordered(url: str, count: int) -> float:
    """Messages/s an ordered consumer replays a stream of `count` 128 B messages."""
    fill(url, count)
    with natskit.connect(url) as nc:
        t0 = time.perf_counter()
        messages = nc.jetstream().ordered("BPULL")
        for _ in range(count):
            assert messages.next(timeout=5) is not None
        rate = count / (time.perf_counter() - t0)
        messages.stop()
        return rate


async def aio_ordered(url: str, count: int, kit: bool) -> float:
    fill(url, count)
    nc = await (aio.connect(url) if kit else nats.connect(url))
    js = nc.jetstream()
    t0 = time.perf_counter()
    if kit:
        messages = await js.ordered("BPULL")
        for _ in range(count):
            assert await messages.next(timeout=5) is not None
        rate = count / (time.perf_counter() - t0)
        await messages.stop()
    else:
        sub = await js.subscribe("bpull.m", stream="BPULL", ordered_consumer=True)
        for _ in range(count):
            await sub.next_msg(timeout=5)
        rate = count / (time.perf_counter() - t0)
        await sub.unsubscribe()
    await nc.close()
    return rate


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
        t50, t99, trate = run(aio_service_requests(url, 64, REQUESTS, False))
        o50, o99, orate = run(aio_service_requests(url, 64, REQUESTS, True))
        name = f"service (micro) echo 64 B x {REQUESTS:,}"
        rows.append((f"{name} p50", "asyncio vs nats.micro", "µs", o50, t50, t50 / o50))
        rows.append((f"{name} p99", "asyncio vs nats.micro", "µs", o99, t99, t99 / o99))
        rows.append((name, "asyncio vs nats.micro", "requests/s", orate, trate, orate / trate))

    with LocalServer() as server:
        url = server.url
        run = asyncio.run
        for name, label, ours, theirs in (
            (f"JetStream publish+ack 128 B x {JS_SEQ:,} sequential", "sync", sync_js_publish(url, JS_SEQ, False), None),
            (f"JetStream publish+ack 128 B x {JS_SEQ:,} sequential", "asyncio", run(aio_js_publish(url, JS_SEQ, False, True)), run(aio_js_publish(url, JS_SEQ, False, False))),
            (f"JetStream publish 128 B x {JS_PIPE:,} pipelined (<= {IN_FLIGHT})", "sync publisher.publish_many", sync_js_publish(url, JS_PIPE, True), None),
            (f"JetStream publish 128 B x {JS_PIPE:,} pipelined (<= {IN_FLIGHT})", "asyncio publisher", run(aio_js_publish(url, JS_PIPE, True, True)), run(aio_js_publish(url, JS_PIPE, True, False))),
            (f"JetStream pull+ack 128 B x {JS_PULL:,} (batch {PULL_BATCH})", "sync fetch", sync_js_pull(url, JS_PULL), None),
            (f"JetStream pull+ack 128 B x {JS_PULL:,} (batch {PULL_BATCH})", "asyncio fetch", run(aio_js_pull(url, JS_PULL, True)), run(aio_js_pull(url, JS_PULL, False))),
        ):
            rows.append((name, label, "msgs/s", ours, theirs if theirs is not None else float("nan"), ours / theirs if theirs else float("nan")))
        for label, many in (("sync push()", False), ("sync push_many()", True)):
            rows.append((f"queue push 256 B x {JOBS:,}", label, "jobs/s", queue_push(url, JOBS, many), float("nan"), float("nan")))
        for prefetch in (0, 64):
            for concurrency in (1, 4):
                label = "sync Worker" + (f" prefetch={prefetch}" if prefetch else " (default options)")
                rate = queue_rate(url, JOBS, concurrency, prefetch)
                rows.append((f"queue push_many+work+ack 256 B x {JOBS:,}, {concurrency} worker thread(s)", label, "jobs/s", rate, float("nan"), float("nan")))
        kv_put, kv_get = f"KV put 128 B x {KV_OPS:,} sequential", f"KV get x {KV_OPS:,} sequential"
        theirs_put, theirs_get = run(aio_kv(url, KV_OPS, False))
        for label, (put, get) in (("sync", sync_kv(url, KV_OPS)), ("asyncio", run(aio_kv(url, KV_OPS, True)))):
            rows.append((kv_put, label, "round trips/s", put, theirs_put, put / theirs_put))
            rows.append((kv_get, label, "round trips/s", get, theirs_get, get / theirs_get))
        data = object_data(OBJ_MB)
        theirs_put, theirs_get = run(aio_object(url, data, False))
        for label, (put, get) in (("sync", sync_object(url, data)), ("asyncio", run(aio_object(url, data, True)))):
            rows.append((f"object store put {OBJ_MB} MB", label, "MB/s", put, theirs_put, put / theirs_put))
            rows.append((f"object store get {OBJ_MB} MB", label, "MB/s", get, theirs_get, get / theirs_get))
        del data
        theirs = run(aio_ordered(url, ORDERED, False))
        for label, ours in (("sync", sync_ordered(url, ORDERED)), ("asyncio", run(aio_ordered(url, ORDERED, True)))):
            rows.append((f"ordered consumer replay 128 B x {ORDERED:,}", label, "msgs/s", ours, theirs, ours / theirs))

    print("### Python: natskit vs nats-py 2.16.0 (ratio > 1 means natskit is better)\n")
    print("| workload | natskit API | unit | natskit | nats-py | ratio |")
    print("|---|---|---|---:|---:|---:|")
    for name, label, unit, ours, theirs, ratio in rows:
        peer = "n/a" if theirs != theirs else f"{theirs:,.0f}"
        times = "" if ratio != ratio else f"{ratio:.2f}x"
        print(f"| {name} | {label} | {unit} | {ours:,.0f} | {peer} | {times} |")


if __name__ == "__main__":
    main()
