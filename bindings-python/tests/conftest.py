"""Shared fixtures: one real nats-server per test session, fresh connections per test."""

from __future__ import annotations

import itertools
from typing import Iterator

import pytest

import natskit
from natskit.testing import LocalServer

_subjects = itertools.count()


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def nc(server: LocalServer) -> Iterator[natskit.Client]:
    with natskit.connect(server.url) as client:
        yield client


@pytest.fixture
def subject() -> str:
    """A subject no other test uses."""
    return f"t{next(_subjects)}"
