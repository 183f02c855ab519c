<?php

declare(strict_types=1);

namespace NatsKit\Exception;

/**
 * Every natskit failure: getCode() is the stable code (ErrorCode), getMessage() the library's
 * text, getServerCode() the server's JetStream err_code when the server sent one.
 */
class NatsException extends \RuntimeException
{
    private ?int $serverCode = null;

    /**
     * The exception for a natskit status, its message and the server's err_code (0 when none):
     * the one error mapping of this library; the classes come from the generated ErrorCode.
     */
    public static function fromStatus(int $status, string $message, int $serverCode = 0): self
    {
        $class = ErrorCode::EXCEPTIONS[$status] ?? self::class;
        $error = new $class($message, $status);
        $error->serverCode = $serverCode === 0 ? null : $serverCode;
        return $error;
    }

    /** The server's JetStream err_code (10059: stream not found), or null. */
    public function getServerCode(): ?int
    {
        return $this->serverCode;
    }
}
