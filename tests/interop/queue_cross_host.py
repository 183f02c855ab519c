"""One queue, three hosts: PHP pushes, Python works (one job fails once and succeeds after
its backoff, another exhausts its tries), Node prints the dead letter.

Run by `make demo` and `make test` (it exits non-zero when a host does not do its part).
Usage: queue_cross_host.py  (uses $NATS_URL, or starts an embedded nats-server)
On a server named by $NATS_URL it touches only what it creates: a queue and a dead-letter
subject named for this run, and the failed jobs of that queue.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import natskit
from natskit.testing import LocalServer

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def php_command() -> list[str]:
    return ["php", "-d", "ffi.enable=1", str(HERE / "push_jobs.php")]


def main() -> int:
    server = None if os.environ.get("NATS_URL") else LocalServer()
    url = os.environ.get("NATS_URL") or server.url  # type: ignore[union-attr]
    print(f"== cross-host queue (PHP pushes, Python works, Node reads the dead letters) on {url} ==")
    checks: list[tuple[str, bool]] = []
    run = f"{os.getpid()}_{time.time_ns()}"
    queue, dead_letters = f"orders_{run}", f"jobs.dead.{run}"
    config = {"queue": {"dead_letter_subject": dead_letters, "retry_after": 10}}
    with natskit.connect(url, **config) as nc:
        orders = nc.queue(queue)

        node = subprocess.Popen(["node", str(HERE / "watch_dead_letters.js"), url, dead_letters],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert node.stdout is not None
        print(node.stdout.readline(), end="")

        env = dict(os.environ)
        env.setdefault("NATSKIT_LIB", str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug/libnatskit.so"))
        pushed = subprocess.run(php_command() + [url, queue], env=env, capture_output=True, text=True, cwd=ROOT)
        print(pushed.stdout, end="", file=sys.stdout)
        checks.append(("php pushed two jobs", pushed.returncode == 0 and "pushed ProcessOrder" in pushed.stdout))
        if pushed.returncode != 0:
            print(pushed.stderr, file=sys.stderr)

        runs: list[str] = []
        retry_gap: list[float] = []
        worker = natskit.Worker(nc, queues=[queue], sleep=0.2, max_jobs=4, max_time=30)
        started = time.monotonic()

        @worker.job("ProcessOrder")
        def process_order(job: natskit.Job) -> None:
            runs.append(f"ProcessOrder#{job.attempts}")
            if job.attempts == 1:
                retry_gap.append(time.monotonic())
                raise RuntimeError("payment gateway timed out")
            retry_gap.append(time.monotonic() - retry_gap[0])
            print(f"[python] ProcessOrder {job.payload['order_id']} succeeded on attempt {job.attempts} "
                  f"({time.monotonic() - started:.1f} s after the first try)")

        @worker.job("ChargeCard")
        def charge_card(job: natskit.Job) -> None:
            runs.append(f"ChargeCard#{job.attempts}")
            raise ValueError(f"card {job.payload['card']} declined")

        @worker.on("exception")
        def on_exception(job: natskit.Job, event: dict) -> None:
            print(f"[python] {job.name} attempt {job.attempts} raised {event['error']!r}")

        @worker.on("released")
        def on_released(job: natskit.Job, event: dict) -> None:
            print(f"[python] {job.name} goes back on the queue, available in {event['delay']:g} s (backoff)")

        @worker.on("failed")
        def on_failed(job: natskit.Job, event: dict) -> None:
            print(f"[python] {job.name} failed for good: {event.get('reason')}")

        worker.run()
        out, _ = node.communicate(timeout=30)
        print(out, end="")
        failed = orders.failed().list(queue)
        checks.append(("python ran each attempt", sorted(runs) == sorted(
            ["ProcessOrder#1", "ProcessOrder#2", "ChargeCard#1", "ChargeCard#2"])))
        checks.append(("retry waited for its 1 s backoff", len(retry_gap) == 2 and retry_gap[1] >= 0.95))
        checks.append(("node printed the dead letter", node.returncode == 0 and "ChargeCard" in out))
        checks.append(("failed store holds ChargeCard", [f.payload["job"] for f in failed] == ["ChargeCard"]))
        size = orders.size()
        checks.append(("queue is empty", (size.ready, size.reserved, size.delayed) == (0, 0, 0)))
        orders.clear()
        for job in failed:
            orders.failed().forget(job.id)
    if server is not None:
        server.stop()
    failed_checks = [name for name, ok in checks if not ok]
    for name in failed_checks:
        print(f"FAILED: {name}", file=sys.stderr)
    print(f"interop: {len(checks) - len(failed_checks)} passed, {len(failed_checks)} failed")
    return 1 if failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
