<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A NULL pointer, bad UTF-8, a negative length or a value out of range. (code INVALID_ARGUMENT) */
final class InvalidArgumentException extends NatsException
{
}
