<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\Exception\SerializationException;

/** A received message. Its text is copied into PHP; the native message is kept for respond(). */
final class Message
{
    use MessageContent;

    private ?string $replyTo = null;
    private bool $replyRead = false;

    /** Takes ownership of a `natskit_message *`. */
    public function __construct(private ?CData $handle)
    {
        $this->copyContent($handle, 'natskit_message');
    }

    public function __destruct()
    {
        Library::free('natskit_message_free', $this->handle);
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

    /** The reply subject, when the sender waits for an answer. */
    public function getReplyTo(): ?string
    {
        if (!$this->replyRead) {
            $this->replyTo = Library::lent('natskit_message_reply', $this->handle);
            $this->replyRead = true;
        }
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
