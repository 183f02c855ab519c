<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** The server or account has no JetStream. (code JETSTREAM_NOT_ENABLED) */
final class JetStreamNotEnabledException extends NatsException
{
}
