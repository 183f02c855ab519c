"""The job queue and the threaded Worker against a real server (core's lifecycle rules)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import natskit
from natskit.testing import LocalServer

_ids = itertools.count()
ROOT = Path(__file__).resolve().parents[2]


def queue_config(**extra: Any) -> Dict[str, Any]:
    """Queue settings of a fresh, isolated job store (stream, buckets) with a 1 s visibility timeout."""
    n = f"{os.getpid()}_{next(_ids)}"
    return {
        "stream": f"JOBS_{n}",
        "subject_prefix": f"jobs{n}",
        "failed_bucket": f"failed_{n}",
        "unique_bucket": f"unique_{n}",
        "retry_after": 1,
        **extra,
    }


@pytest.fixture
def qc(server: LocalServer) -> Iterator[natskit.Client]:
    with natskit.connect(server.url, queue=queue_config()) as client:
        yield client


def sizes(q: natskit.Queue, ready: int, reserved: int, delayed: int, failed: int) -> natskit.QueueSize:
    """The server updates consumer counters just after an ack: poll until they match."""
    deadline = time.monotonic() + 3
    while True:
        s = q.size()
        if (s.ready, s.reserved, s.delayed, s.failed) == (ready, reserved, delayed, failed):
            return s
        if time.monotonic() > deadline:
            assert (s.ready, s.reserved, s.delayed, s.failed) == (ready, reserved, delayed, failed)
        time.sleep(0.05)


def test_push_pop_delete(qc: natskit.Client) -> None:
    q = qc.queue("mail")
    job_id = q.push("SendEmail", {"to": "ada@example.com"}, tries=3)
    assert isinstance(job_id, str) and job_id
    s = sizes(q, 1, 0, 0, 0)
    assert s.oldest_age >= 0 and isinstance(s, natskit.QueueSize)
    job = q.pop(timeout=2)
    assert isinstance(job, natskit.Job)
    assert (job.id, job.name, job.queue, job.attempts) == (job_id, "SendEmail", "mail", 1)
    assert job.payload == {"to": "ada@example.com"}
    sizes(q, 0, 1, 0, 0)
    assert job.delete() == {"event": "deleted", "hook": "processed", "id": job_id}
    assert job.is_finished
    with pytest.raises(natskit.QueueError, match="already finished"):
        job.complete()
    with pytest.raises(natskit.QueueError, match="already finished"):
        job.release(1)
    sizes(q, 0, 0, 0, 0)
    assert q.pop(timeout=0.2) is None


def test_tries_exhausted_go_to_failed_store_and_dead_letter_subject(server: LocalServer) -> None:
    config = queue_config(dead_letter_subject="dlq.py")
    with natskit.connect(server.url, queue=config) as nc:
        dlq = nc.subscribe("dlq.py")
        nc.flush()
        q = nc.queue("orders")
        job_id = q.push("ProcessOrder", {"order": 7}, tries=2)
        worker = natskit.Worker(nc, queues=["orders"], sleep=0.5, max_jobs=2)
        runs: List[int] = []
        events: List[str] = []
        errors: List[BaseException] = []

        @worker.job("ProcessOrder")
        def process(job: natskit.Job) -> None:
            runs.append(job.attempts)
            raise ValueError(f"boom {job.payload['order']}")

        @worker.failed("ProcessOrder")
        def gave_up(job: natskit.Job, error: BaseException) -> None:
            errors.append(error)

        assert natskit.worker.EVENTS == ("processing", "processed", "released", "exception", "failed")
        for name in natskit.worker.EVENTS:
            worker.on(name)(lambda job, ev, name=name: events.append(name))
        retries: List[Tuple[str, str]] = []
        worker.on("released")(lambda job, ev: retries.append((ev["event"], ev["hook"])))
        with pytest.raises(natskit.InvalidArgumentError, match="`released` hears `retrying`"):
            worker.on("retrying")
        worker.run()
        assert retries == [("retrying", "released")]
        assert runs == [1, 2]
        assert worker.stop_reason == "max_jobs"
        assert events == ["processing", "exception", "released", "processing", "exception", "failed"]
        assert isinstance(errors[0], ValueError) and str(errors[0]) == "boom 7"
        assert worker.stats().failed == 1
        [failed] = q.failed().list("orders")
        assert (failed.id, failed.queue, failed.connection) == (job_id, "orders", "default")
        assert (failed.exception, failed.message) == ("ValueError", "boom 7")
        assert "Traceback" in failed.trace and "ValueError: boom 7" in failed.trace
        assert failed.payload["data"] == {"order": 7} and failed.payload["attempts"] == 2
        msg = dlq.next(timeout=5)
        assert msg is not None
        body = msg.json()
        assert body["original_queue"] == "orders" and body["original_connection"] == "default"
        assert body["failure_exception"] == "ValueError" and body["failure_message"] == "boom 7"
        assert "Traceback" in body["failure_trace"] and body["failed_at"] > 0
        assert body["payload"]["data"] == {"order": 7}
        sizes(q, 0, 0, 0, 1)


def test_backoff_delays_each_retry_no_earlier_than_configured(qc: natskit.Client) -> None:
    q = qc.queue("backoff")
    q.push("Flaky", None, tries=3, backoff=[0.5, 1.0])
    worker = natskit.Worker(qc, queues=["backoff"], sleep=0.5, max_jobs=3)
    seen: List[Tuple[int, float]] = []
    delays: List[float] = []

    @worker.job("Flaky")
    def flaky(job: natskit.Job) -> None:
        seen.append((job.attempts, time.monotonic()))
        if job.attempts < 3:
            raise RuntimeError("not yet")

    worker.on("released")(lambda job, ev: delays.append(ev["delay"]))
    worker.run()
    assert [a for a, _ in seen] == [1, 2, 3]
    assert delays == [0.5, 1.0]
    assert seen[1][1] - seen[0][1] >= 0.5
    assert seen[2][1] - seen[1][1] >= 1.0
    assert worker.stats().processed == 1 and worker.stats().retried == 2


def test_retry_until_beats_tries(qc: natskit.Client) -> None:
    q = qc.queue("until")
    job_id = q.push("Slow", None, tries=50, retry_until=0.5, backoff=1)
    worker = natskit.Worker(qc, queues=["until"], sleep=0.5, max_time=15)
    runs: List[int] = []

    @worker.job("Slow")
    def slow(job: natskit.Job) -> None:
        runs.append(job.attempts)
        raise RuntimeError("again")

    worker.on("failed")(lambda job, ev: worker.stop())
    worker.run()
    assert runs == [1]
    failed = q.failed().get(job_id)
    assert failed.exception == "MaxAttemptsExceeded" and "retry-until" in failed.message


def test_max_exceptions_count_errors_not_releases(qc: natskit.Client) -> None:
    q = qc.queue("maxexc")
    job_id = q.push("Mixed", None, tries=20, max_exceptions=2)
    worker = natskit.Worker(qc, queues=["maxexc"], sleep=0.5, max_jobs=10)
    runs: List[int] = []

    @worker.job("Mixed")
    def mixed(job: natskit.Job) -> None:
        runs.append(job.attempts)
        if job.attempts % 2 == 1:
            assert job.release(0)["hook"] == "released"
        else:
            raise KeyError("bad")

    worker.on("failed")(lambda job, ev: worker.stop())
    worker.run()
    assert runs == [1, 2, 3, 4]
    failed = q.failed().get(job_id)
    assert failed.exception == "KeyError" and failed.payload["exceptions"] == 2


def test_timeout_counts_as_failed_attempt(qc: natskit.Client) -> None:
    q = qc.queue("timeout")
    job_id = q.push("Sleepy", None, tries=1, timeout=0.2)
    worker = natskit.Worker(qc, queues=["timeout"], sleep=0.5, once=True)
    worker.job("Sleepy")(lambda job: time.sleep(0.5))
    worker.run()
    assert worker.stop_reason == "once"
    failed = q.failed().get(job_id)
    assert failed.exception == "TimeoutExceeded" and "timeout" in failed.message


def test_delayed_job_invisible_before_its_time(qc: natskit.Client) -> None:
    q = qc.queue("later")
    pushed = time.monotonic()
    job_id = q.later(1.0, "Reminder", {"n": 1})
    assert q.pop(timeout=0.1) is None
    sizes(q, 0, 0, 1, 0)
    job = q.pop(timeout=5)
    assert job is not None and job.id == job_id
    assert time.monotonic() - pushed >= 1.0
    job.complete()
    delayed_by_option = q.push("Reminder", {"n": 2}, delay=0.5)
    assert q.pop(timeout=0.1) is None
    job = q.pop(timeout=5)
    assert job is not None and job.id == delayed_by_option and job.payload == {"n": 2}
    job.complete()


def test_priority_takes_high_first(qc: natskit.Client) -> None:
    for i in range(3):
        qc.queue("low").push("Job", {"i": i, "q": "low"})
    for i in range(3):
        qc.queue("high").push("Job", {"i": i, "q": "high"})
    worker = natskit.Worker(qc, queues=["high", "low"], sleep=0.2, stop_when_empty=True)
    order: List[str] = []
    worker.job()(lambda job: order.append(job.payload["q"]))
    worker.run()
    assert order == ["high"] * 3 + ["low"] * 3
    assert worker.stop_reason == "empty"


def test_unique_jobs_ignore_and_refuse(server: LocalServer) -> None:
    with natskit.connect(server.url, queue=queue_config()) as nc:
        q = nc.queue("unique")
        first = q.push("Sync", None, unique_key="user-1")
        assert first is not None
        assert q.push("Sync", None, unique_key="user-1") is None
        job = q.pop(timeout=2)
        assert job is not None and job.id == first
        assert q.push("Sync", None, unique_key="user-1") is None
        job.complete()
        assert q.push("Sync", None, unique_key="user-1") is not None
    with natskit.connect(server.url, queue=queue_config(unique="refuse")) as nc:
        q = nc.queue("unique")
        q.push("Sync", None, unique_key="k")
        with pytest.raises(natskit.QueueError, match="unique key"):
            q.push("Sync", None, unique_key="k")


def test_push_many_returns_ids_in_order_and_skips_unique_duplicates(qc: natskit.Client) -> None:
    q = qc.queue("bulk")
    jobs: List[Dict[str, Any]] = [{"job": "Bulk", "data": {"i": i}} for i in range(298)]
    jobs.insert(5, {"job": "Once", "unique_key": "only-one", "tries": 2})
    jobs.append({"job": "Once", "data": None, "unique_key": "only-one"})
    jobs.append({"job": "Later", "data": "x", "delay": 60})
    ids = q.push_many(iter(jobs))
    assert len(ids) == 301
    assert ids[-2] is None, "the second push of a pending unique key is ignored"
    real = [i for i in ids if i is not None]
    assert len(set(real)) == 300
    sizes(q, 299, 0, 1, 0)
    first = q.pop(timeout=2)
    assert first is not None and (first.id, first.payload) == (ids[0], {"i": 0})
    first.complete()
    with pytest.raises(natskit.InvalidArgumentError, match="job"):
        q.push_many([{"data": 1}])
    with pytest.raises(natskit.InvalidArgumentError, match="unknown field"):
        q.push_many([{"job": "X", "bogus": 1}])
    assert q.push_many([]) == []


def test_worker_with_prefetch_works_every_job_and_holds_none_after(qc: natskit.Client) -> None:
    q = qc.queue("pre")
    q.push_many([{"job": "Count", "data": i} for i in range(150)])
    worker = natskit.Worker(qc, queues=["pre"], sleep=0.2, stop_when_empty=True, concurrency=2, prefetch=64)
    assert worker.options["prefetch"] == 64
    done: List[int] = []
    lock = threading.Lock()

    def count(job: natskit.Job) -> None:
        with lock:
            done.append(job.payload)

    worker.job("Count")(count)
    stats = worker.run()
    assert sorted(done) == list(range(150))
    assert stats.processed == 150
    sizes(q, 0, 0, 0, 0)


def test_size_in_each_state(qc: natskit.Client) -> None:
    q = qc.queue("sizes")
    for i in range(3):
        q.push("S", i)
    q.later(30, "S", "later")
    sizes(q, 3, 0, 1, 0)
    a = q.pop(timeout=2)
    b = q.pop(timeout=2)
    assert a is not None and b is not None
    sizes(q, 1, 2, 1, 0)
    a.fail("no")
    b.release(30)
    sizes(q, 1, 0, 2, 1)
    assert q.clear() == 3
    sizes(q, 0, 0, 0, 1)


def test_failed_list_retry_forget_flush(qc: natskit.Client) -> None:
    q = qc.queue("store")
    ids = [q.push("Fails", {"n": i}) for i in range(3)]
    for _ in ids:
        job = q.pop(timeout=2)
        assert job is not None
        assert job.fail(ValueError(f"reason {job.payload['n']}"))["event"] == "failed"
    failed = q.failed()
    listed = failed.list("store")
    assert sorted(f.id for f in listed) == sorted(ids)
    assert failed.count("store") == 3
    first = failed.get(ids[0])
    assert (first.exception, first.message) == ("JobFailed", "reason 0")
    assert first.to_dict()["id"] == ids[0]
    assert failed.retry([ids[0]]) == [ids[0]]
    again = q.pop(timeout=2)
    assert again is not None and again.id == ids[0] and again.attempts == 1
    again.complete()
    assert failed.forget(ids[1]) is True
    assert failed.forget(ids[1]) is False
    with pytest.raises(natskit.NotFoundError):
        failed.get(ids[1])
    assert failed.flush(hours=1) == 0
    assert failed.flush() == 1
    assert failed.list() == []
    assert q.push("Fails", {"n": 9}) is not None
    job = q.pop(timeout=2)
    assert job is not None
    job.fail()
    assert failed.retry_all() == [job.id]
    sizes(q, 1, 0, 0, 0)


def test_worker_handlers_hooks_and_concurrency(qc: natskit.Client) -> None:
    q = qc.queue("work")
    for i in range(20):
        q.push("Add" if i % 2 else "Mul", {"i": i})
    q.push("Unknown", None, tries=1)
    worker = natskit.Worker(qc, queues=["work"], sleep=0.2, stop_when_empty=True, concurrency=4)
    threads = set()
    done: List[int] = []
    lock = threading.Lock()

    def record(job: natskit.Job) -> None:
        with lock:
            threads.add(threading.get_ident())
            done.append(job.payload["i"])
        time.sleep(0.02)

    worker.job("Add")(record)
    worker.job("Mul")(record)
    failures: List[BaseException] = []
    worker.failed("Unknown")(lambda job, err: failures.append(err))
    stats = worker.run()
    assert sorted(done) == list(range(20))
    assert len(threads) > 1
    assert (stats.processed, stats.failed) == (20, 1)
    assert isinstance(failures[0], natskit.QueueError) and "no handler" in str(failures[0])
    sizes(q, 0, 0, 0, 1)
    with pytest.raises(natskit.InvalidArgumentError, match="unknown field"):
        natskit.Worker(qc, bogus=1)
    with pytest.raises(ValueError):
        worker.on("nonsense")
    with pytest.raises(natskit.InvalidArgumentError, match="unknown field"):
        natskit.Worker(qc, queue=["pool"])


def test_worker_max_jobs_and_default_handler(qc: natskit.Client) -> None:
    q = qc.queue("limited")
    for i in range(5):
        q.push("Any", i)
    seen: List[int] = []
    worker = natskit.Worker(qc, queues=["limited"], handler=lambda job: seen.append(job.payload), max_jobs=3)
    worker.run()
    assert seen == [0, 1, 2] and worker.stop_reason == "max_jobs"
    sizes(q, 2, 0, 0, 0)

    # The worker measures this process (tens of MB): past a 1 MB limit it stops after a job.
    lean = natskit.Worker(qc, queues=["limited"], handler=lambda job: seen.append(job.payload), memory=1)
    lean.run()
    assert seen[3:] == [3] and lean.stop_reason == "memory"


WORKER_SCRIPT = textwrap.dedent(
    """
    import sys, time, json, natskit
    nc = natskit.connect(sys.argv[1], queue=json.loads(sys.argv[2]))
    worker = natskit.Worker(nc, queues=["graceful"], sleep=0.5, concurrency=2)

    @worker.job("Slow")
    def slow(job):
        print("started", job.payload, flush=True)
        time.sleep(1.0)

    stats = worker.run()
    print("stopped", worker.stop_reason, stats.processed, flush=True)
    """
)


def test_sigterm_stops_gracefully_leaving_nothing_reserved(server: LocalServer) -> None:
    config = queue_config()
    with natskit.connect(server.url, queue=config) as nc:
        q = nc.queue("graceful")
        for i in range(10):
            q.push("Slow", i)
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, server.url, json.dumps(config)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("started")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0
        last = out.strip().splitlines()[-1].split()
        assert last[:2] == ["stopped", "requested"]
        processed = int(last[2])
        assert 1 <= processed <= 2
        sizes(q, 10 - processed, 0, 0, 0)


def cli_binary() -> Path:
    binary = ROOT / "target" / "debug" / "natskit"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "natskit-cli"], cwd=ROOT, check=True)
    return binary


def test_job_pushed_from_rust_cli_is_worked_in_python(server: LocalServer) -> None:
    env = {**os.environ, "NATS_URL": server.url}
    pushed = subprocess.run(
        [str(cli_binary()), "--json", "queue", "push", "crosshost", "ProcessOrder", '{"order": 42}', "--tries", "2"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert pushed.returncode == 0, pushed.stderr
    with natskit.connect(server.url) as nc:
        worker = natskit.Worker(nc, queues=["crosshost"], sleep=0.5, once=True)
        seen: List[Any] = []
        worker.job("ProcessOrder")(lambda job: seen.append((job.id, job.payload, job.attempts)))
        worker.run()
        assert seen == [(json.loads(pushed.stdout)["id"], {"order": 42}, 1)]


def test_a_repeated_push_with_the_same_id_is_stored_once(qc: natskit.Client) -> None:
    q = qc.queue("dedup")
    assert q.push("Ship", 1, id="order-7") == "order-7"
    q.push("Ship", 2, id="order-7")
    sizes(q, 1, 0, 0, 0)
    job = q.pop(timeout=2)
    assert job is not None and (job.id, job.payload) == ("order-7", 1)
    job.delete()
    assert q.pop(timeout=0.2) is None


def test_a_per_queue_stream_takes_migrated_jobs_and_a_worker_runs_them(server: LocalServer) -> None:
    shared = queue_config()
    own = {
        **shared,
        "streams": "per-queue",
        "per_queue_prefix": "own" + shared["subject_prefix"],
        "queues": {"wide": {"partitions": 3}},
    }
    with natskit.connect(server.url, queue=shared) as old, natskit.connect(server.url, queue=own) as nc:
        old.queue("moved").push("Count", 1)
        old.queue("moved").later(3600, "Count", 2)
        moved = nc.queue("moved").migrate()
        assert (moved["ready"], moved["delayed"], moved["reserved"]) == (1, 1, 0)
        assert moved["stream"] == f"{shared['stream']}_moved"
        placement = nc.queue("moved").placement()
        assert (placement["layout"], placement["stream"], placement["replicas"]) == (
            "per-queue",
            f"{shared['stream']}_moved",
            1,
        )
        sizes(old.queue("moved"), 0, 0, 0, 0)
        nc.queue("moved").push("Count", 3)
        done: List[Any] = []
        worker = natskit.Worker(nc, queues=["moved"], sleep=0.5, max_jobs=2)

        @worker.job("Count")
        def count(job: natskit.Job) -> None:
            done.append(job.payload)

        worker.run()
        assert done == [1, 3]
        sizes(nc.queue("moved"), 0, 0, 1, 0)

        # A partitioned queue: three streams, and the worker takes jobs from every one.
        wide = nc.queue("wide")
        for key in "abcdef":
            wide.push("Count", key, partition_key=key)
        sizes(wide, 6, 0, 0, 0)
        streams = [p["stream"] for p in wide.placement()["partitions"]]
        assert streams == [f"{shared['stream']}_wide~{p}" for p in range(3)]
        done.clear()
        worker = natskit.Worker(nc, queues=["wide"], sleep=0.5, max_jobs=6)
        worker.job("Count")(lambda job: done.append(job.payload))
        worker.run()
        assert sorted(done) == list("abcdef")
