<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a deadline passed. */
final class TimeoutException extends NatsException
{
}
