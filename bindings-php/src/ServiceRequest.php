<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\Exception\SerializationException;

/** A request to a service endpoint, answered once with respond() or respondError(). */
final class ServiceRequest
{
    use MessageContent;

    /** Takes ownership of a `natskit_service_request *`. */
    public function __construct(private ?CData $handle)
    {
        $this->copyContent($handle, 'natskit_service_request');
    }

    public function __destruct()
    {
        Library::free('natskit_service_request_free', $this->handle);
    }

    /** The payload decoded from JSON (arrays as associative arrays). */
    public function getDecodedPayload(): mixed
    {
        try {
            return json_decode($this->payload, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new SerializationException("payload on {$this->getSubject()} is not valid JSON: {$e->getMessage()}", 13);
        }
    }

    /** Answers (arrays are JSON-encoded); a second answer is an InvalidArgumentException. */
    public function respond(mixed $payload, array $headers = []): void
    {
        $data = Payload::encode($payload);
        Library::check(Library::ffi()->natskit_service_request_respond($this->handle, Payload::headers($headers), $data, strlen($data)));
    }

    /**
     * Answers with an error: `$description` (one line) and `$code` in the `Nats-Service-Error`
     * and `Nats-Service-Error-Code` headers; the endpoint counts it in its stats.
     */
    public function respondError(int $code, string $description): void
    {
        if ($code < 0 || $code > 0xFFFFFFFF) {
            throw new Exception\InvalidArgumentException("error code {$code} is out of range (0 to 4294967295)", 1);
        }
        Library::check(Library::ffi()->natskit_service_request_respond_error($this->handle, $code, $description));
    }
}
