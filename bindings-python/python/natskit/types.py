"""Typed shapes of the dicts JetStream calls return (plain dicts at runtime).

Field names are the server's; every duration (``max_age``, ``duplicate_window``,
``ack_wait``, ``backoff``, ``inactive_threshold``, ``idle_heartbeat``, ``max_expires``,
``subject_delete_marker_ttl``, ``pause_remaining``) is seconds as a float, in configs passed
in and in infos read back (core converts, ``natskit::units``). Times are RFC 3339 strings.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

if sys.version_info >= (3, 11):
    from typing import TypedDict
else:
    from typing_extensions import TypedDict

from ._native import Headers

__all__ = [
    "StreamInfo",
    "StreamState",
    "ConsumerInfo",
    "Page",
    "PubAck",
    "PublishSummary",
    "Metadata",
    "StoredMessage",
    "KvEntry",
    "ObjectInfo",
    "PauseState",
]


class StreamState(TypedDict, total=False):
    """A stream's counters."""

    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    first_ts: str
    last_ts: str
    consumer_count: int
    num_subjects: int


class StreamInfo(TypedDict, total=False):
    """``stream_info`` / ``create_stream``: the config as stored and the state."""

    config: Dict[str, Any]
    state: StreamState
    created: str


class ConsumerInfo(TypedDict, total=False):
    """``consumer_info``: config and the server's counters."""

    stream_name: str
    name: str
    config: Dict[str, Any]
    created: str
    delivered: Dict[str, Any]
    ack_floor: Dict[str, Any]
    num_ack_pending: int
    num_redelivered: int
    num_waiting: int
    num_pending: int
    paused: bool


class Page(TypedDict):
    """One page of a listing."""

    total: int
    offset: int
    limit: int
    items: List[Dict[str, Any]]


class PubAck(TypedDict):
    """The server's acknowledgement of a JetStream publish."""

    stream: str
    sequence: int
    duplicate: bool
    domain: Optional[str]


class PublishSummary(TypedDict):
    """``Publisher.wait()``: acks since the previous wait."""

    acked: int
    duplicates: int
    last_sequence: int


class Metadata(TypedDict):
    """Where a pulled message comes from."""

    stream: str
    consumer: str
    stream_seq: int
    consumer_seq: int
    delivered: int
    pending: int
    timestamp: str
    domain: Optional[str]


class StoredMessage(TypedDict):
    """A message read from a stream by sequence or subject."""

    subject: str
    sequence: int
    headers: Headers
    data: bytes
    time: str


class KvEntry(TypedDict):
    """One revision of a key."""

    bucket: str
    key: str
    value: bytes
    revision: int
    created: str
    operation: str
    delta: int


class ObjectInfo(TypedDict):
    """What an object store bucket records about one object."""

    bucket: str
    name: str
    description: Optional[str]
    headers: Dict[str, List[str]]
    metadata: Dict[str, str]
    size: int
    chunks: int
    digest: Optional[str]
    mtime: Optional[str]
    nuid: str
    deleted: bool
    link: Optional[Dict[str, Optional[str]]]


class PauseState(TypedDict):
    """A consumer's pause state."""

    paused: bool
    pause_until: Optional[str]
    pause_remaining: Optional[float]
