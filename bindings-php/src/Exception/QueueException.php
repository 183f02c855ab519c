<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A job queue error. (code QUEUE) */
final class QueueException extends NatsException
{
}
