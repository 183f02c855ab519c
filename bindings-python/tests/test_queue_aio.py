"""The job queue and worker from asyncio (natskit.aio) against a real server."""

from __future__ import annotations

import asyncio
import time
from typing import Any, List

import pytest

import natskit
from natskit import aio
from natskit.testing import LocalServer

from test_queue import queue_config


async def sizes(q: aio.Queue, ready: int, reserved: int, delayed: int, failed: int) -> natskit.QueueSize:
    deadline = time.monotonic() + 3
    while True:
        s = await q.size()
        if (s.ready, s.reserved, s.delayed, s.failed) == (ready, reserved, delayed, failed):
            return s
        assert time.monotonic() < deadline, s
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_push_pop_release_fail_from_asyncio(server: LocalServer) -> None:
    async with await aio.connect(server.url, queue=queue_config()) as nc:
        q = nc.queue("aio")
        job_id = await q.push("Ping", {"n": 1}, tries=5)
        abandoned = await q.pop(timeout=2)
        assert abandoned is not None and abandoned.id == job_id
        await sizes(q, 0, 1, 0, 0)
        del abandoned
        await asyncio.sleep(1.2)
        job = await q.pop(timeout=2)
        assert isinstance(job, aio.Job) and job.id == job_id
        assert job.attempts == 2, "the first pop was never finished: redelivered after retry_after"
        event = await job.release(0.3)
        assert event == {"event": "released", "hook": "released", "id": job_id, "delay": 0.3}
        await sizes(q, 0, 0, 1, 0)
        job = await q.pop(timeout=3)
        assert job is not None and job.attempts == 3
        assert (await job.fail("enough"))["event"] == "failed"
        failed = q.failed()
        [stored] = await failed.list("aio")
        assert (stored.id, stored.message) == (job_id, "enough")
        assert await failed.count() == 1
        assert (await failed.get(job_id)).exception == "JobFailed"
        assert await failed.retry([job_id]) == [job_id]
        [retried] = await q.pop_many(10, timeout=2)
        assert (retried.id, retried.attempts) == (job_id, 1)
        assert await retried.complete() == {"event": "processed", "hook": "processed", "id": job_id}
        assert await failed.forget(job_id) is False
        assert await failed.flush() == 0
        assert await failed.retry_all() == []
        assert await q.clear() == 0


@pytest.mark.asyncio
async def test_async_worker_retries_after_exception_and_cancels_on_timeout(server: LocalServer) -> None:
    async with await aio.connect(server.url, queue=queue_config()) as nc:
        q = nc.queue("aiow")
        await q.push("Flaky", {"k": "a"}, tries=3)
        sleepy = await q.push("Sleepy", None, tries=1, timeout=0.3)
        for i in range(10):
            await q.push("Sum", i)
        worker = aio.Worker(nc, queues=["aiow"], sleep=0.2, stop_when_empty=True, concurrency=3)
        attempts: List[int] = []
        total: List[int] = []
        cancelled = asyncio.Event()
        events: List[str] = []

        @worker.job("Flaky")
        async def flaky(job: aio.Job) -> None:
            attempts.append(job.attempts)
            if job.attempts == 1:
                raise RuntimeError("first time fails")

        @worker.job("Sleepy")
        async def sleeper(job: aio.Job) -> None:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        @worker.job("Sum")
        def add(job: aio.Job) -> None:
            total.append(job.payload)

        @worker.on("exception")
        async def on_exception(job: aio.Job, event: Any) -> None:
            events.append(type(event["error"]).__name__)

        stats = await worker.run()
        assert attempts == [1, 2]
        assert sorted(total) == list(range(10))
        assert cancelled.is_set()
        assert sorted(events) == ["QueueError", "RuntimeError"]
        assert (stats.processed, stats.retried, stats.failed) == (11, 1, 1)
        assert (await q.failed().get(sleepy or "")).exception == "TimeoutExceeded"
        assert worker.stop_reason == "empty"


@pytest.mark.asyncio
async def test_async_worker_stop_and_release_inside_handler(server: LocalServer) -> None:
    async with await aio.connect(server.url, queue=queue_config()) as nc:
        q = nc.queue("aios")
        await q.push("Again", None, tries=3)
        worker = aio.Worker(nc, queues=["aios"], sleep=0.2)
        runs: List[int] = []

        @worker.job("Again")
        async def again(job: aio.Job) -> None:
            runs.append(job.attempts)
            if job.attempts < 3:
                event = await job.release(0)
                assert (event["event"], event["hook"], job.is_finished) == ("released", "released", True)
            else:
                await job.delete()
                worker.stop()

        await asyncio.wait_for(worker.run(), 20)
        assert runs == [1, 2, 3] and worker.stop_reason == "requested"
        await sizes(q, 0, 0, 0, 0)


@pytest.mark.asyncio
async def test_async_push_many_and_worker_with_prefetch(server: LocalServer) -> None:
    async with await aio.connect(server.url, queue=queue_config()) as nc:
        q = nc.queue("aiopre")
        ids = await q.push_many([{"job": "Sum", "data": i, "unique_key": f"k{i % 100}"} for i in range(120)])
        assert len(ids) == 120 and ids[100:] == [None] * 20
        assert len(set(ids[:100])) == 100
        worker = aio.Worker(nc, queues=["aiopre"], sleep=0.2, stop_when_empty=True, concurrency=3, prefetch=64)
        assert worker.options["prefetch"] == 64
        seen: List[int] = []

        @worker.job("Sum")
        async def handle(job: aio.Job) -> None:
            seen.append(job.payload)

        stats = await worker.run()
        assert sorted(seen) == list(range(100))
        assert stats.processed == 100
        await sizes(q, 0, 0, 0, 0)
