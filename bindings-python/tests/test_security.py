"""Credentials in server URLs, TLS, secrets kept out of messages, and a LocalServer that dies
with a killed Python process. The behaviour is core's; these prove Python passes it through."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import natskit
from natskit.testing import LocalServer


def test_user_password_in_the_url() -> None:
    with LocalServer(jetstream=False, user="bob", password="pw-right-1") as srv:
        with natskit.connect(srv.url.replace("nats://", "nats://bob:pw-right-1@")) as nc:
            nc.flush()
        wrong = srv.url.replace("nats://", "nats://bob:pw-S3CRET@")
        with pytest.raises(natskit.AuthorizationError) as info:
            natskit.connect(wrong, reconnect={"max_attempts": 0})
        assert '"bob"' in str(info.value)
        assert "pw-S3CRET" not in str(info.value)


def test_token_in_the_url() -> None:
    with LocalServer(jetstream=False, token="tok-in-url-7") as srv:
        with natskit.connect(srv.url.replace("nats://", "nats://tok-in-url-7@")) as nc:
            nc.flush()


def test_a_malformed_url_hides_its_password() -> None:
    with pytest.raises(natskit.ConfigError) as info:
        natskit.connect("nats://bob:pw-S3CRET@bad host:4222")
    assert "bob:***@bad host" in str(info.value)
    assert "pw-S3CRET" not in str(info.value)


CERTS = Path(__file__).resolve().parents[2] / "tests" / "tls" / "certs.sh"
"""Writes the test PKI (ca.pem, server.pem, server-key.pem, other-ca.pem) into a directory."""


def test_tls_connects_with_the_right_ca_and_names_the_cause_otherwise(tmp_path: Path) -> None:
    subprocess.run(["sh", str(CERTS), str(tmp_path)], check=True)
    tls_args = ["--tls", "--tlscert", str(tmp_path / "server.pem")]
    tls_args += ["--tlskey", str(tmp_path / "server-key.pem")]
    with LocalServer(jetstream=False, args=tls_args) as srv:
        with natskit.connect(srv.url, tls={"ca": str(tmp_path / "ca.pem")}) as nc:
            sub = nc.subscribe("tls.echo")
            nc.flush()
            nc.publish("tls.echo", b"over tls")
            msg = sub.next(timeout=5)
            assert msg is not None and msg.data == b"over tls"

        refused = {"connect_timeout": 3, "reconnect": {"max_attempts": 0}}
        with pytest.raises(natskit.ConnectError) as info:
            natskit.connect(srv.url, tls={"ca": str(tmp_path / "other-ca.pem")}, **refused)
        assert "certificate verification failed" in str(info.value)
        assert "unknown issuer" in str(info.value)
        with pytest.raises(natskit.ConnectError) as info:
            natskit.connect(srv.url, **refused)
        assert "certificate verification failed" in str(info.value)


def _accepting(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_a_local_server_dies_with_a_killed_process() -> None:
    script = (
        "import time\n"
        "from natskit.testing import LocalServer\n"
        "s = LocalServer(jetstream=False)\n"
        "print('port', s.port, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline().split()[1])
        assert _accepting(port)
        child.kill()
        child.wait()
        deadline = time.monotonic() + 2
        while _accepting(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _accepting(port), f"nats-server on port {port} outlived its killed process"
    finally:
        child.kill()
