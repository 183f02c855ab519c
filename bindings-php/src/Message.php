<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\Exception\SerializationException;

/** A received message. Its text is copied into PHP; the native message is kept for respond(). */
final class Message
{
    private string $subject;
    private ?string $replyTo;
    private string $payload;
    /** @var array<string, list<string>> */
    private array $headers;

    /** Takes ownership of a `natskit_message *`. */
    public function __construct(private ?CData $handle)
    {
        $this->subject = (string) Library::lent('natskit_message_subject', $handle);
        $this->replyTo = Library::lent('natskit_message_reply', $handle);
        $this->payload = Library::lentBytes('natskit_message_data', $handle);
        $this->headers = Library::lentJson(Library::call('const char*', 'natskit_message_headers_json', $handle)) ?: [];
    }

    public function __destruct()
    {
        Library::free('natskit_message_free', $this->handle);
    }

    /** The subject it was published to. */
    public function getSubject(): string
    {
        return $this->subject;
    }

    /** The raw payload bytes. */
    public function getPayload(): string
    {
        return $this->payload;
    }

    /** The payload decoded from JSON (arrays as associative arrays). */
    public function getDecodedPayload(): mixed
    {
        try {
            return json_decode($this->payload, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new SerializationException("payload on {$this->subject} is not valid JSON: {$e->getMessage()}", 13);
        }
    }

    /** @return array<string, list<string>> every header with all its values */
    public function getHeaders(): array
    {
        return $this->headers;
    }

    /** The first value of a header, ignoring the name's case. */
    public function getHeader(string $name): ?string
    {
        foreach ($this->headers as $key => $values) {
            if (strcasecmp($key, $name) === 0) {
                return $values[0] ?? null;
            }
        }
        return null;
    }

    /** The reply subject, when the sender waits for an answer. */
    public function getReplyTo(): ?string
    {
        return $this->replyTo;
    }

    /** Answers on the reply subject (arrays are JSON-encoded). */
    public function respond(mixed $payload, array $headers = []): void
    {
        $data = Payload::encode($payload);
        Library::check(Library::ffi()->natskit_message_respond(
            $this->handle,
            Payload::headers($headers),
            $data,
            strlen($data),
        ));
    }
}
