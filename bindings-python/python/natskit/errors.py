"""natskit exceptions: one class per stable core error code, all under NatsError.

Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

Every error raised by the native module is built here by ``_from_core``; the class is
chosen by the code and carries it as ``.code`` (the stable name) and ``.number``.
"""

from __future__ import annotations

import builtins
from typing import ClassVar, Dict, Optional, Type

__all__ = [
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


class NatsError(Exception):
    """Base of every natskit error; ``code`` is the stable name (``"NO_RESPONDERS"``)."""

    code: ClassVar[str] = "IO"
    number: ClassVar[int] = 16
    server_code: Optional[int] = None
    """The server's JetStream ``err_code`` (10059: stream not found), when it sent one."""

    @property
    def message(self) -> str:
        """The message, without the code."""
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(NatsError, ValueError):
    """A NULL pointer, bad UTF-8, a negative length or a value out of range."""

    code, number = "INVALID_ARGUMENT", 1


class InvalidSubjectError(NatsError, ValueError):
    """A subject NATS would reject."""

    code, number = "INVALID_SUBJECT", 2


class ConfigError(NatsError, ValueError):
    """Configuration that cannot be used; the message names the key."""

    code, number = "CONFIG", 3


class ConnectError(NatsError, ConnectionError):
    """The server could not be reached; the message names host:port."""

    code, number = "CONNECT", 4


class AuthorizationError(NatsError, PermissionError):
    """The server refused the credentials."""

    code, number = "AUTHORIZATION", 5


class TimeoutError(NatsError, builtins.TimeoutError):
    """A deadline passed."""

    code, number = "TIMEOUT", 6


class NoRespondersError(NatsError):
    """A request reached a subject nobody listens on."""

    code, number = "NO_RESPONDERS", 7


class PayloadTooLargeError(NatsError, ValueError):
    """A payload larger than the server's max_payload."""

    code, number = "PAYLOAD_TOO_LARGE", 8


class ClosedError(NatsError):
    """The connection, subscription or process state no longer allows the call."""

    code, number = "CLOSED", 9


class JetStreamNotEnabledError(NatsError):
    """The server or account has no JetStream."""

    code, number = "JETSTREAM_NOT_ENABLED", 10


class JetStreamError(NatsError):
    """A JetStream API error; the server's err_code is kept."""

    code, number = "JETSTREAM", 11


class NotFoundError(NatsError, LookupError):
    """A stream, consumer, message, key or job that does not exist."""

    code, number = "NOT_FOUND", 12


class SerializationError(NatsError, ValueError):
    """JSON (or another encoding) that could not be read or written."""

    code, number = "SERIALIZATION", 13


class QueueError(NatsError):
    """A job queue error."""

    code, number = "QUEUE", 14


class PanicError(NatsError):
    """A bug in natskit (a panic) caught at the host boundary."""

    code, number = "PANIC", 15


class IoError(NatsError, OSError):
    """An I/O or protocol failure that fits no other code."""

    code, number = "IO", 16


_BY_CODE: Dict[str, Type[NatsError]] = {
    cls.code: cls
    for cls in (
        InvalidArgumentError,
        InvalidSubjectError,
        ConfigError,
        ConnectError,
        AuthorizationError,
        TimeoutError,
        NoRespondersError,
        PayloadTooLargeError,
        ClosedError,
        JetStreamNotEnabledError,
        JetStreamError,
        NotFoundError,
        SerializationError,
        QueueError,
        PanicError,
        IoError,
    )
}


def _from_core(code: str, number: int, message: str, server_code: Optional[int]) -> NatsError:
    """Builds the exception for a core error (called by the native module only)."""
    cls = _BY_CODE.get(code, NatsError)
    error = cls(message)
    if server_code is not None:
        error.server_code = server_code
    return error
