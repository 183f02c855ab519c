<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A payload larger than the server's max_payload. (code PAYLOAD_TOO_LARGE) */
final class PayloadTooLargeException extends NatsException
{
}
