<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** JSON (or another encoding) that could not be read or written. (code SERIALIZATION) */
final class SerializationException extends NatsException
{
}
