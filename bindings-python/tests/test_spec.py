"""The cross-host contract (tests/spec/contract.json) run in Python: durations in seconds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest

import natskit
from natskit import _native
from natskit.testing import LocalServer

SPEC = json.loads((Path(__file__).parents[2] / "tests/spec/contract.json").read_text())


def host(value: Any) -> Any:
    """A spec value in Python's unit: `{"s": .., "ms": ..}` becomes seconds."""
    if isinstance(value, dict):
        return value["s"] if set(value) == {"s", "ms"} else {k: host(v) for k, v in value.items()}
    if isinstance(value, list):
        return [host(v) for v in value]
    return value


def field(result: Any, path: str) -> Any:
    for part in path.split("."):
        result = result[part]
    return result


@pytest.fixture(scope="module")
def js_server() -> Iterator[LocalServer]:
    with LocalServer(jetstream=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(js_server: LocalServer) -> Iterator[natskit.Client]:
    with natskit.connect(js_server.url) as nc:
        yield nc


def run(nc: natskit.Client, op: str, a: Dict[str, Any]) -> Any:
    js = nc.jetstream()
    ops: Dict[str, Callable[[], Any]] = {
        "publish": lambda: nc.publish(a["subject"], b"x", headers=a.get("headers")),
        "request": lambda: nc.request(a["subject"], b"x", timeout=a["timeout"]),
        "connect": lambda: natskit.connect(a["url"]),
        "stream_info": lambda: js.stream_info(a["stream"]),
        "create_stream": lambda: js.create_stream(a["config"]),
        "create_consumer": lambda: js.create_consumer(a["stream"], a["config"]),
        "js_publish": lambda: js.publish(a["subject"], b"x", ttl=a.get("ttl")),
        "get_message": lambda: js.get_message(a["stream"], a["sequence"]),
        "queue_later": lambda: nc.queue(a["queue"]).later(a["delay"], "SpecJob"),
        "next_no_wait": lambda: {"message": nc.subscribe(a["subject"]).next(timeout=0)},
        "kv_put": lambda: js.create_kv(bucket=a["bucket"]).put(a["key"], b"x"),
        "panic": _native._panic_for_tests,
    }
    return ops[op]()


@pytest.mark.parametrize("case", SPEC["cases"], ids=[c["name"] for c in SPEC["cases"]])
def test_contract(client: natskit.Client, case: Dict[str, Any]) -> None:
    args = host(case["args"])
    if "error" in case:
        with pytest.raises(natskit.NatsError) as err:
            run(client, case["op"], args)
        assert err.value.code == case["error"], str(err.value)
        if "server_code" in case:
            assert err.value.server_code == case["server_code"]
        return
    result = run(client, case["op"], args)
    for key in case.get("keys", []):
        assert key in result, f"{case['op']} result has no {key!r}: {sorted(result)}"
    for path, expected in host(case.get("result", {})).items():
        assert field(result, path) == expected, path
