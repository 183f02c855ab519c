<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** The connection, subscription or process state no longer allows the call. (code CLOSED) */
final class ClosedException extends NatsException
{
}
