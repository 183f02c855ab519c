<?php

// Generated from natskit::ErrorCode::ALL by `cargo run -p natskit --example error_tables -- write`; do not edit.

declare(strict_types=1);

namespace NatsKit\Exception;

/** The stable natskit error codes; each is an exception's getCode(). */
final class ErrorCode
{
    public const INVALID_ARGUMENT = 1;
    public const INVALID_SUBJECT = 2;
    public const CONFIG = 3;
    public const CONNECT = 4;
    public const AUTHORIZATION = 5;
    public const TIMEOUT = 6;
    public const NO_RESPONDERS = 7;
    public const PAYLOAD_TOO_LARGE = 8;
    public const CLOSED = 9;
    public const JETSTREAM_NOT_ENABLED = 10;
    public const JETSTREAM = 11;
    public const NOT_FOUND = 12;
    public const SERIALIZATION = 13;
    public const QUEUE = 14;
    public const PANIC = 15;
    public const IO = 16;

    /** The exception class of each code. */
    public const EXCEPTIONS = [
        self::INVALID_ARGUMENT => InvalidArgumentException::class,
        self::INVALID_SUBJECT => InvalidSubjectException::class,
        self::CONFIG => ConfigException::class,
        self::CONNECT => ConnectionException::class,
        self::AUTHORIZATION => AuthorizationException::class,
        self::TIMEOUT => TimeoutException::class,
        self::NO_RESPONDERS => NoRespondersException::class,
        self::PAYLOAD_TOO_LARGE => PayloadTooLargeException::class,
        self::CLOSED => ClosedException::class,
        self::JETSTREAM_NOT_ENABLED => JetStreamNotEnabledException::class,
        self::JETSTREAM => JetStreamException::class,
        self::NOT_FOUND => NotFoundException::class,
        self::SERIALIZATION => SerializationException::class,
        self::QUEUE => QueueException::class,
        self::PANIC => PanicException::class,
        self::IO => IoException::class,
    ];
}
