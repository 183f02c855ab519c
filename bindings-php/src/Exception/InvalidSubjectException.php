<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a subject NATS would reject. */
final class InvalidSubjectException extends NatsException
{
}
