<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A deadline passed. (code TIMEOUT) */
final class TimeoutException extends NatsException
{
}
