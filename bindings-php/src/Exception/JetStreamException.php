<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A JetStream API error; the server's err_code is kept. (code JETSTREAM) */
final class JetStreamException extends NatsException
{
}
