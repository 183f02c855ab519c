<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** The server refused the credentials. (code AUTHORIZATION) */
final class AuthorizationException extends NatsException
{
}
