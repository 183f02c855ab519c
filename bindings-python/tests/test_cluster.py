"""LocalCluster: a client given every URL keeps publishing while each node in turn dies."""

from __future__ import annotations

import time

import pytest

import natskit
from natskit.testing import LocalCluster

RECOVERY = 15.0
"""How long the client may take to work again after a kill, in seconds."""


def keeps_working(nc: natskit.Client, js: natskit.JetStream) -> None:
    """A flushed publish and a JetStream publish succeed within RECOVERY."""
    deadline = time.monotonic() + RECOVERY
    while True:
        try:
            nc.publish("failover.core", b"x")
            nc.flush()
            js.publish("failover.js", b"x")
            return
        except natskit.NatsError as e:
            if time.monotonic() > deadline:
                pytest.fail(f"no publish within {RECOVERY} s of the kill: {e}")
            time.sleep(0.1)


def test_client_survives_each_node_dying() -> None:
    with LocalCluster() as cluster:
        assert len(cluster.urls) == 3
        with natskit.connect(",".join(cluster.urls)) as nc:
            js = nc.jetstream()
            js.create_stream(name="FAILOVER", subjects=["failover.js"], num_replicas=3)
            keeps_working(nc, js)
            for node in range(3):
                cluster.kill(node)
                keeps_working(nc, js)
                cluster.restart(node)
            with pytest.raises(natskit.InvalidArgumentError, match="no node 3"):
                cluster.kill(3)
    with pytest.raises(natskit.ClosedError):
        cluster.restart(0)
