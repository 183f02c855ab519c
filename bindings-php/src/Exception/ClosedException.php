<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for the connection or subscription is closed. */
final class ClosedException extends NatsException
{
}
