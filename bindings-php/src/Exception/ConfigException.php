<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for configuration that cannot be used. */
final class ConfigException extends NatsException
{
}
