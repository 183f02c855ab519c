<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A subject NATS would reject. (code INVALID_SUBJECT) */
final class InvalidSubjectException extends NatsException
{
}
