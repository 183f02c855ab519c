"""Metrics after a known workload, as Prometheus text (read by prometheus_client's parser)
and as core's snapshot dict, sync and asyncio."""

from __future__ import annotations

from typing import Any, Dict, Tuple

import pytest
from prometheus_client.parser import text_string_to_metric_families

import natskit
from natskit import aio
from natskit.testing import LocalServer

from test_queue import queue_config

N, K = 4, 2


def work(q: natskit.Queue) -> None:
    """N completed `Send` jobs, K failed `Boom` jobs, one `Later` released once then deleted."""
    for i in range(N):
        q.push("Send", {"i": i})
    for i in range(K):
        q.push("Boom", {"i": i}, tries=1)
    q.push("Later", None, tries=5)
    released = False
    for _ in range(N + K + 2):
        job = q.pop(timeout=5)
        assert job is not None
        if job.name == "Send":
            job.complete()
        elif job.name == "Boom":
            job.fail("boom")
        elif not released:
            job.release(0)
            released = True
        else:
            job.delete()


def samples(text: str) -> Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]:
    """Every sample of the text, by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def labels(job: str, **extra: str) -> Tuple[Tuple[str, str], ...]:
    base = {"messaging_system": "nats", "messaging_destination_name": "metered", "job_name": job}
    return tuple(sorted({**base, **extra}.items()))


def test_a_known_workload_shows_exactly_in_the_text_and_the_dict(server: LocalServer) -> None:
    with natskit.connect(server.url, queue=queue_config()) as nc:
        work(nc.queue("metered"))
        got = samples(nc.metrics())
        snapshot = nc.metrics_snapshot()

    assert got[("natskit_queue_jobs_pushed_total", labels("Send"))] == N
    assert got[("natskit_queue_jobs_processed_total", labels("Send"))] == N
    assert got[("natskit_queue_jobs_failed_total", labels("Boom"))] == K
    assert got[("natskit_queue_jobs_failed_total", labels("Send"))] == 0
    assert got[("natskit_queue_jobs_released_total", labels("Later"))] == 1
    assert got[("natskit_queue_jobs_deleted_total", labels("Later"))] == 1
    assert got[("messaging_process_duration_seconds_count", labels("Send"))] == N
    assert got[("messaging_process_duration_seconds_count", labels("Later"))] == 2
    assert got[("messaging_process_duration_seconds_bucket", labels("Boom", le="+Inf"))] == K
    assert got[("natskit_queue_job_wait_seconds_count", labels("Later"))] == 2
    system = (("messaging_system", "nats"),)
    assert got[("nats_jetstream_publish_acks_total", system)] >= N + K + 2
    assert got[("nats_client_connection_state", system + (("state", "connected"),))] == 1
    queue = (("messaging_destination_name", "metered"), ("messaging_system", "nats"))
    assert got[("natskit_queue_failed_jobs", queue)] == K

    jobs: Dict[str, Dict[str, Any]] = {j["job"]: j for j in snapshot["jobs"]}
    assert (jobs["Send"]["pushed"], jobs["Send"]["processed"]) == (N, N)
    assert (jobs["Boom"]["failed"], jobs["Boom"]["duration"]["count"]) == (K, K)
    assert (jobs["Later"]["released"], jobs["Later"]["deleted"]) == (1, 1)
    assert jobs["Send"]["duration"]["buckets"][-1] == {"le": 60.0, "count": N}
    assert snapshot["connection"]["state"] == "connected"
    assert snapshot["connection"]["rtt_seconds"] > 0
    assert snapshot["queues"][0]["queue"] == "metered"


@pytest.mark.asyncio
async def test_metrics_from_asyncio(server: LocalServer) -> None:
    async with await aio.connect(server.url, queue=queue_config()) as nc:
        q = nc.queue("metered")
        for _ in range(N):
            await q.push("Send", None)
        text = await nc.metrics()
        snapshot = await nc.metrics_snapshot()
    assert samples(text)[("natskit_queue_jobs_pushed_total", labels("Send"))] == N
    assert snapshot["jobs"][0]["pushed"] == N
    assert snapshot["jetstream"]["publish_errors"] == 0
