<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A stream, consumer, message, key or job that does not exist. (code NOT_FOUND) */
final class NotFoundException extends NatsException
{
}
