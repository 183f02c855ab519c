<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for a JetStream API error (the server's err_code is in the message). */
final class JetStreamException extends NatsException
{
}
