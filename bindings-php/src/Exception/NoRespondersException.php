<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a request reached a subject nobody listens on. */
final class NoRespondersException extends NatsException
{
}
