"""One trace, three hosts: Python pushes a job and publishes a message with a W3C trace
context; the job's handler in a Node worker and a PHP subscriber both get the same trace id.

Run by `make test-interop` (it exits non-zero when a host does not do its part).
Usage: trace_cross_host.py  (uses $NATS_URL, or starts an embedded nats-server)
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import natskit
from natskit.testing import LocalServer

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def main() -> int:
    server = None if os.environ.get("NATS_URL") else LocalServer()
    url = os.environ.get("NATS_URL") or server.url  # type: ignore[union-attr]
    print(f"== cross-host trace (Python pushes and publishes, Node works, PHP subscribes) on {url} ==")
    run = f"{os.getpid()}_{time.time_ns()}"
    queue, subject = f"traced_{run}", f"traced.{run}"
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{span_id}-01"
    env = dict(os.environ)
    env.setdefault("NATSKIT_LIB", str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug/libnatskit.so"))
    php = subprocess.Popen(["php", "-d", "ffi.enable=1", str(HERE / "trace_php_subscriber.php"), url, subject],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert php.stdout is not None
    print(php.stdout.readline(), end="")
    with natskit.connect(url) as nc:
        nc.queue(queue).push("ShipOrder", {"order_id": 42}, traceparent=traceparent, tracestate="natskit=interop")
        nc.publish(subject, b"order 42 shipped", traceparent=traceparent)
        nc.flush()
        print(f"[python] pushed ShipOrder and published on {subject} in trace {trace_id}")
        node = subprocess.run(["node", str(HERE / "trace_node_worker.js"), url, queue],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        print(node.stdout, end="")
        if node.returncode != 0:
            print(node.stderr, file=sys.stderr)
        php_out, _ = php.communicate(timeout=30)
        print(php_out, end="")
        nc.queue(queue).clear()
    if server is not None:
        server.stop()
    checks = [
        ("node's job handler got the trace", node.returncode == 0 and f"got trace {trace_id} (span {span_id})" in node.stdout),
        ("php's subscriber got the trace", php.returncode == 0 and f"got trace {trace_id}" in php_out),
    ]
    failed = [name for name, ok in checks if not ok]
    for name in failed:
        print(f"FAILED: {name}", file=sys.stderr)
    print(f"interop: {len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
