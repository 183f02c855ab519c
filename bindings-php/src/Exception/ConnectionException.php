<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** The server could not be reached; the message names host:port. (code CONNECT) */
final class ConnectionException extends NatsException
{
}
