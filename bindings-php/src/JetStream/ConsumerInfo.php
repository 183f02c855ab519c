<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

/** A consumer's configuration and counters as the server reported them. */
final class ConsumerInfo
{
    public function __construct(private readonly array $info)
    {
    }

    public function getName(): string
    {
        return $this->info['name'];
    }

    public function getStreamName(): string
    {
        return $this->info['stream_name'];
    }

    public function getConfig(): ConsumerConfig
    {
        return ConsumerConfig::fromArray($this->info['config']);
    }

    /** Messages not yet delivered. */
    public function getNumPending(): int
    {
        return $this->info['num_pending'] ?? 0;
    }

    /** Messages delivered and awaiting an ack. */
    public function getNumAckPending(): int
    {
        return $this->info['num_ack_pending'] ?? 0;
    }

    public function getNumRedelivered(): int
    {
        return $this->info['num_redelivered'] ?? 0;
    }

    /** Pull requests waiting on the server. */
    public function getNumWaiting(): int
    {
        return $this->info['num_waiting'] ?? 0;
    }

    public function isPaused(): bool
    {
        return (bool) ($this->info['paused'] ?? false);
    }

    /** @return array<string, mixed> the whole info */
    public function toArray(): array
    {
        return $this->info;
    }
}
