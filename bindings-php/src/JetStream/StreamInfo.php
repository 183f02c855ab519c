<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

/** A stream's configuration and state as the server reported them. */
final class StreamInfo
{
    public function __construct(private readonly array $info)
    {
    }

    public function getName(): string
    {
        return $this->info['config']['name'];
    }

    public function getConfig(): StreamConfig
    {
        return StreamConfig::fromArray($this->info['config']);
    }

    /** @return array<string, mixed> `messages`, `bytes`, `first_seq`, `last_seq`, `consumer_count`, … */
    public function getState(): array
    {
        return $this->info['state'] ?? [];
    }

    public function getMessageCount(): int
    {
        return $this->getState()['messages'] ?? 0;
    }

    public function getByteCount(): int
    {
        return $this->getState()['bytes'] ?? 0;
    }

    public function getFirstSequence(): int
    {
        return $this->getState()['first_seq'] ?? 0;
    }

    public function getLastSequence(): int
    {
        return $this->getState()['last_seq'] ?? 0;
    }

    public function getConsumerCount(): int
    {
        return $this->getState()['consumer_count'] ?? 0;
    }

    /** @return array<string, mixed> the whole info */
    public function toArray(): array
    {
        return $this->info;
    }
}
