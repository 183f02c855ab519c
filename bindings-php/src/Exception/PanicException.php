<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** A bug in natskit (a panic) caught at the host boundary. (code PANIC) */
final class PanicException extends NatsException
{
}
