"""Connection options pass through the connect() keywords: no_echo, inbox_prefix,
retry_on_initial_connect (core/tests/options.rs tests each one in depth)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import natskit
from natskit.testing import LocalServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_echo_and_inbox_prefix(server: LocalServer, subject: str) -> None:
    with natskit.connect(server.url, no_echo=True) as quiet, natskit.connect(server.url) as other:
        sub = quiet.subscribe(subject)
        quiet.flush()
        quiet.publish(subject, b"own")
        quiet.flush()
        other.publish(subject, b"other")
        other.flush()
        assert (m := sub.next(timeout=5)) is not None and m.data == b"other"
        assert sub.next(timeout=0.2) is None, "own message echoed"

    with natskit.connect(server.url) as responder, natskit.connect(server.url, inbox_prefix="_PY.inbox") as requester:
        sub = responder.subscribe(subject + ".svc")
        responder.flush()
        seen: list[str | None] = []

        def answer() -> None:
            m = sub.next(timeout=5)
            assert m is not None
            seen.append(m.reply)
            m.respond(b"pong")

        t = threading.Thread(target=answer)
        t.start()
        assert requester.request(subject + ".svc", b"ping", timeout=5).data == b"pong"
        t.join()
        assert seen[0] is not None and seen[0].startswith("_PY.inbox."), seen


def test_retry_on_initial_connect_waits_for_a_late_server() -> None:
    port = _free_port()
    url = f"nats://127.0.0.1:{port}"
    started = time.monotonic()
    with pytest.raises(natskit.ConnectError):
        natskit.connect(url)
    assert time.monotonic() - started < 0.5, "without the option it fails fast"

    servers: list[LocalServer] = []
    late = threading.Timer(1.0, lambda: servers.append(LocalServer(port=port, jetstream=False)))
    late.start()
    started = time.monotonic()
    try:
        with natskit.connect(url, retry_on_initial_connect=True, reconnect={"delay": 0.05, "max_delay": 0.2}) as nc:
            assert time.monotonic() - started >= 0.9
            nc.flush()
    finally:
        late.join()
        for s in servers:
            s.stop()

    with pytest.raises(natskit.ConnectError, match="gave up after 3 connect attempts"):
        natskit.connect(url, retry_on_initial_connect=True, reconnect={"max_attempts": 2, "delay": 0.01})


def test_bad_option_values_are_config_errors() -> None:
    with pytest.raises(natskit.ConfigError, match="reconnect_buffer_size"):
        natskit.connect("nats://127.0.0.1:1", reconnect_buffer_size=-1)
    with pytest.raises(natskit.ConfigError, match="no_echo"):
        natskit.connect("nats://127.0.0.1:1", no_echo="yes")
