<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for the server could not be reached. */
final class ConnectionException extends NatsException
{
}
