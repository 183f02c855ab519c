"""Bad input (issue 14): huge, negative, NaN and infinite durations, bad headers, KV keys,
counts and seeds, and wrong argument types are natskit errors with a stable code naming the
field, never a PanicException (a BaseException that ``except Exception`` misses); the
connection stays usable after each."""

from __future__ import annotations

import math
from typing import Any, Callable

import pytest

import natskit
from natskit.testing import LocalServer

SEED = "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU"


def fails(call: Callable[[], Any], code: str, names: str = "") -> natskit.NatsError:
    """Runs ``call``; it must raise a natskit error (an ``Exception``) with ``code``."""
    try:
        call()
    except Exception as err:  # a PanicException (BaseException) would escape this test
        assert isinstance(err, natskit.NatsError), f"{type(err).__name__}: {err}"
        assert err.code == code, f"{err.code}: {err}"
        assert names in str(err), f"{names!r} not in {err}"
        return err
    raise AssertionError(f"no error (expected {code})")


def still_usable(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    nc.publish(subject, b"alive")
    msg = sub.next(timeout=5)
    assert msg is not None and msg.data == b"alive"
    sub.unsubscribe()


@pytest.fixture(scope="module")
def js_server() -> Any:
    with LocalServer(jetstream=True) as srv:
        yield srv


@pytest.fixture
def jnc(js_server: LocalServer) -> Any:
    with natskit.connect(js_server.url) as client:
        yield client


@pytest.mark.parametrize(
    "options, key",
    [
        ({"connect_timeout": 1e300}, "connect_timeout"),
        ({"request_timeout": 2**100}, "request_timeout"),
        ({"request_timeout": -1}, "request_timeout"),
        ({"reconnect": {"delay": 1e300}}, "reconnect.delay"),
        ({"queue": {"retry_after": 1e300}}, "queue.retry_after"),
        ({"reconnect": {"max_attempts": -7}}, "reconnect.max_attempts"),
        ({"queue": {"replicas": 0}}, "queue.replicas"),
    ],
)
def test_bad_connection_settings_are_config_errors(
    server: LocalServer, options: dict[str, Any], key: str
) -> None:
    fails(lambda: natskit.connect(server.url, **options), "CONFIG", key)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_name_their_key(server: LocalServer, value: float) -> None:
    fails(lambda: natskit.connect(server.url, request_timeout=value), "INVALID_ARGUMENT", "request_timeout")
    fails(lambda: natskit.connect(server.url, reconnect={"delay": value}), "INVALID_ARGUMENT", "reconnect.delay")


def test_a_malformed_nkey_seed_is_config_and_never_shown(server: LocalServer) -> None:
    err = fails(lambda: natskit.connect(server.url, nkey_seed=SEED[:30]), "CONFIG", "nkey_seed")
    assert SEED[:30] not in str(err)


@pytest.mark.parametrize("timeout", [1e300, -1.0, math.nan, math.inf, 2**100])
def test_huge_and_negative_call_durations(nc: natskit.Client, subject: str, timeout: float) -> None:
    fails(lambda: nc.request(subject, b"x", timeout=timeout), "INVALID_ARGUMENT", "timeout")
    sub = nc.subscribe(subject)
    fails(lambda: sub.next(timeout=timeout), "INVALID_ARGUMENT", "timeout")
    sub.unsubscribe()
    still_usable(nc, subject)


def test_queue_and_worker_durations(jnc: natskit.Client) -> None:
    queue = jnc.queue("bad")
    for delay in (1e300, -1, math.nan):
        fails(lambda: queue.push("Job", {}, delay=delay), "INVALID_ARGUMENT", "delay")
    fails(lambda: natskit.Worker(jnc, sleep=1e300), "INVALID_ARGUMENT", "sleep")
    still_usable(jnc, "bad.alive")


def test_jetstream_durations_and_counts(jnc: natskit.Client) -> None:
    js = jnc.jetstream()
    fails(lambda: js.create_stream({"name": "BAD1", "subjects": ["bad1.>"], "max_age": -1}), "INVALID_ARGUMENT", "max_age")
    js.create_stream({"name": "BAD2", "subjects": ["bad2.>"]})
    fails(lambda: js.create_consumer("BAD2", {"durable_name": "c", "ack_wait": -5}), "INVALID_ARGUMENT", "ack_wait")
    fails(lambda: js.create_consumer("BAD2", {"durable_name": "c", "ack_wait": math.nan}), "INVALID_ARGUMENT", "ack_wait")
    js.create_consumer("BAD2", {"durable_name": "c", "ack_policy": "explicit"})
    fails(lambda: js.pause_consumer("BAD2", "c", until="tomorrow"), "INVALID_ARGUMENT", "until")
    fails(lambda: js.pause_consumer("BAD2", "c", until=1e300), "INVALID_ARGUMENT", "until")
    fails(lambda: js.publisher(max_in_flight=0), "INVALID_ARGUMENT", "max_in_flight")
    fails(lambda: js.create_kv(bucket="BADKV", max_age=-1), "INVALID_ARGUMENT", "max_age")


def test_kv_keys(jnc: natskit.Client) -> None:
    kv = jnc.jetstream().create_kv(bucket="BADKEYS")
    for key in ("a b", "a..b", "", ".a", "a."):
        fails(lambda: kv.put(key, b"v"), "INVALID_ARGUMENT", "kv key")
    assert kv.put("a.b", b"v") > 0


@pytest.mark.parametrize("headers", [{"": "v"}, {"a b": "v"}, {"a:b": "v"}, {"ok": "a\r\nb"}])
def test_headers_the_server_would_misread(nc: natskit.Client, subject: str, headers: dict[str, str]) -> None:
    fails(lambda: nc.publish(subject, b"x", headers=headers), "INVALID_ARGUMENT", "header")
    still_usable(nc, subject)


def test_circular_payloads_are_errors_not_crashes(nc: natskit.Client, subject: str) -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises((TypeError, ValueError, natskit.NatsError)):
        nc.publish(subject, loop)
    still_usable(nc, subject)
