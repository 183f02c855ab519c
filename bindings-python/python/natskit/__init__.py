"""natskit: NATS messaging for Python on the natskit Rust core.

Synchronous API here (every blocking call releases the GIL), asyncio API in
``natskit.aio``, an embedded nats-server for tests in ``natskit.testing``.
"""

from ._native import Client, Headers, Manager, Message, Subscription, __version__, connect
from .errors import (
    AuthorizationError,
    ClosedError,
    ConfigError,
    ConnectError,
    InvalidArgumentError,
    InvalidSubjectError,
    IoError,
    JetStreamError,
    JetStreamNotEnabledError,
    NatsError,
    NoRespondersError,
    NotFoundError,
    PanicError,
    PayloadTooLargeError,
    QueueError,
    SerializationError,
    TimeoutError,
)

__all__ = [
    "__version__",
    "connect",
    "Client",
    "Headers",
    "Manager",
    "Message",
    "Subscription",
    "NatsError",
    "InvalidArgumentError",
    "InvalidSubjectError",
    "ConfigError",
    "ConnectError",
    "AuthorizationError",
    "TimeoutError",
    "NoRespondersError",
    "PayloadTooLargeError",
    "ClosedError",
    "JetStreamNotEnabledError",
    "JetStreamError",
    "NotFoundError",
    "SerializationError",
    "QueueError",
    "PanicError",
    "IoError",
]
