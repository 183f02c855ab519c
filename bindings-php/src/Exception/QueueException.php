<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a job queue error. */
final class QueueException extends NatsException
{
}
