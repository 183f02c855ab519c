<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a NULL, malformed or out-of-range argument. */
final class InvalidArgumentException extends NatsException
{
}
