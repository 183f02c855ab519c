<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a server without JetStream. */
final class JetStreamNotEnabledException extends NatsException
{
}
