<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** An I/O or protocol failure that fits no other code. (code IO) */
final class IoException extends NatsException
{
}
