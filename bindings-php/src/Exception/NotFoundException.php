<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Raised for something that does not exist. */
final class NotFoundException extends NatsException
{
}
