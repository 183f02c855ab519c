<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for the server refused the credentials. */
final class AuthorizationException extends NatsException
{
}
