<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a payload larger than the server's max_payload. */
final class PayloadTooLargeException extends NatsException
{
}
