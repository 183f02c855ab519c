<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/** Every natskit failure: getCode() is the stable code (ErrorCode), getMessage() the library's text. */
class NatsException extends \RuntimeException
{
    /** The subclass for each code; codes without one raise NatsException itself. */
    private const CLASSES = [
        ErrorCode::INVALID_ARGUMENT => InvalidArgumentException::class,
        ErrorCode::INVALID_SUBJECT => InvalidSubjectException::class,
        ErrorCode::CONFIG => ConfigException::class,
        ErrorCode::CONNECT => ConnectionException::class,
        ErrorCode::AUTHORIZATION => AuthorizationException::class,
        ErrorCode::TIMEOUT => TimeoutException::class,
        ErrorCode::NO_RESPONDERS => NoRespondersException::class,
        ErrorCode::PAYLOAD_TOO_LARGE => PayloadTooLargeException::class,
        ErrorCode::CLOSED => ClosedException::class,
        ErrorCode::JETSTREAM_NOT_ENABLED => JetStreamNotEnabledException::class,
        ErrorCode::JETSTREAM => JetStreamException::class,
        ErrorCode::NOT_FOUND => NotFoundException::class,
        ErrorCode::SERIALIZATION => SerializationException::class,
        ErrorCode::QUEUE => QueueException::class,
    ];

    /** The exception for a natskit status and its message (the one error mapping of this library). */
    public static function fromStatus(int $status, string $message): self
    {
        $class = self::CLASSES[$status] ?? self::class;
        return new $class($message, $status);
    }
}
