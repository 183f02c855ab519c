<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

/** A message read from a stream by sequence or by subject. */
final class StoredMessage
{
    /** @param array<string, list<string>> $headers */
    public function __construct(
        public readonly string $subject,
        public readonly int $sequence,
        public readonly string $payload,
        public readonly array $headers,
        public readonly string $time,
    ) {
    }

    public function getSubject(): string
    {
        return $this->subject;
    }

    public function getSequence(): int
    {
        return $this->sequence;
    }

    public function getPayload(): string
    {
        return $this->payload;
    }

    /** The payload decoded from JSON. */
    public function getDecodedPayload(): mixed
    {
        return json_decode($this->payload, true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return array<string, list<string>> */
    public function getHeaders(): array
    {
        return $this->headers;
    }
}
