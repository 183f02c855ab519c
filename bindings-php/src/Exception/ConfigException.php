<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** Configuration that cannot be used; the message names the key. (code CONFIG) */
final class ConfigException extends NatsException
{
}
