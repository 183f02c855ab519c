<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for JSON that could not be read or written. */
final class SerializationException extends NatsException
{
}
