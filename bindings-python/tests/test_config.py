"""Configuration (env, dict, file), named connections, authentication and connect errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import natskit
from natskit.testing import LocalServer
from natskit.errors import _BY_CODE


def test_every_core_code_has_a_class() -> None:
    assert sorted(c.number for c in _BY_CODE.values()) == list(range(1, 17))
    assert issubclass(natskit.TimeoutError, TimeoutError)
    assert all(issubclass(c, natskit.NatsError) for c in _BY_CODE.values())


def test_connect_from_environment(server: LocalServer, monkeypatch: pytest.MonkeyPatch, subject: str) -> None:
    monkeypatch.setenv("NATS_URL", server.url)
    with natskit.connect() as nc:
        sub = nc.subscribe(subject)
        nc.publish(subject, b"env")
        assert (m := sub.next(timeout=5)) is not None and m.data == b"env"
    manager = natskit.Manager.from_env()
    assert manager.names == ["default"]
    with manager:
        assert manager.connection() is manager.connection("default")


def test_named_connections_from_dict_and_file(server: LocalServer, tmp_path: Path) -> None:
    config = {
        "default": "primary",
        "connections": {"primary": {"servers": [server.url]}, "secondary": {"url": server.url, "name": "two"}},
    }
    with natskit.Manager(config) as m:
        assert m.names == ["primary", "secondary"] and m.default == "primary"
        m.connection("secondary").publish("cfg.x", b"1")
        with pytest.raises(natskit.ConfigError, match="tertiary"):
            m.connection("tertiary")
    path = tmp_path / "natskit.json"
    path.write_text(json.dumps(config))
    assert natskit.Manager(str(path)).names == ["primary", "secondary"]


def test_invalid_config_names_the_key(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(natskit.ConfigError, match="request_timeout"):
        natskit.connect(server.url, request_timeout=-1)
    with pytest.raises(natskit.ConfigError, match="bogus_key"):
        natskit.connect(server.url, bogus_key=1)
    with pytest.raises(natskit.ConfigError, match="connect_timeout") as info:
        natskit.Manager({"connections": {"a": {"connect_timeout": "soon"}}})
    assert info.value.code == "CONFIG"
    monkeypatch.setenv("NATS_PORT", "99999")
    with pytest.raises(natskit.ConfigError, match="NATS_PORT"):
        natskit.Manager.from_env()


def test_user_password_auth() -> None:
    with LocalServer(jetstream=False, user="alice", password="s3cret-pw") as srv:
        with natskit.connect(srv.url, user="alice", password="s3cret-pw") as nc:
            nc.flush()
        with pytest.raises(natskit.AuthorizationError) as info:
            natskit.connect(srv.url, user="alice", password="wrong-pw", reconnect={"max_attempts": 0})
        assert "alice" in str(info.value)
        assert "wrong-pw" not in str(info.value) and "s3cret" not in str(info.value)


def test_token_auth() -> None:
    with LocalServer(jetstream=False, token="tok-123456") as srv:
        with natskit.connect(srv.url, token="tok-123456") as nc:
            nc.flush()
        with pytest.raises(natskit.AuthorizationError) as info:
            natskit.connect(srv.url, token="tok-wrong")
        assert "tok-" not in str(info.value)


def test_connection_refused_names_host_and_port() -> None:
    with LocalServer(jetstream=False) as srv:
        url, port = srv.url, srv.port
        srv.stop()
        with pytest.raises(natskit.ConnectError) as info:
            natskit.connect(url, connect_timeout=2)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert isinstance(info.value, ConnectionError)
