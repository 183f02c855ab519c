<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

/**
 * An immutable durable pull consumer configuration: every with…() returns a copy. Field names
 * and units are the server's (durations given in seconds here are sent as nanoseconds).
 */
final class ConsumerConfig
{
    use ServerFields;

    public const DELIVER_ALL = 'all';
    public const DELIVER_LAST = 'last';
    public const DELIVER_NEW = 'new';
    public const DELIVER_BY_START_SEQUENCE = 'by_start_sequence';
    public const DELIVER_BY_START_TIME = 'by_start_time';
    public const DELIVER_LAST_PER_SUBJECT = 'last_per_subject';
    public const ACK_NONE = 'none';
    public const ACK_ALL = 'all';
    public const ACK_EXPLICIT = 'explicit';
    public const REPLAY_INSTANT = 'instant';
    public const REPLAY_ORIGINAL = 'original';

    /** Fields that are JSON arrays; every other array field is a JSON object. */
    private const LIST_FIELDS = ['filter_subjects', 'backoff', 'priority_groups'];

    public function __construct(string $name)
    {
        $this->fields = ['durable_name' => $name, 'ack_policy' => self::ACK_EXPLICIT];
    }

    /** A config from the server's JSON fields (e.g. a ConsumerInfo's config). */
    public static function fromArray(array $fields): self
    {
        $config = new self((string) ($fields['durable_name'] ?? $fields['name'] ?? ''));
        $config->fields = $fields;
        return $config;
    }

    public function getName(): string
    {
        return $this->fields['durable_name'] ?? $this->fields['name'];
    }

    public function withFilterSubject(string $subject): self
    {
        return $this->with('filter_subject', $subject);
    }

    /** @param list<string> $subjects */
    public function withFilterSubjects(array $subjects): self
    {
        return $this->with('filter_subjects', array_values($subjects));
    }

    /** One of the DELIVER_* constants. */
    public function withDeliverPolicy(string $policy): self
    {
        return $this->with('deliver_policy', $policy);
    }

    /** Start at this stream sequence (with DELIVER_BY_START_SEQUENCE). */
    public function withStartSequence(int $sequence): self
    {
        return $this->with('deliver_policy', self::DELIVER_BY_START_SEQUENCE)->with('opt_start_seq', $sequence);
    }

    /** Start at this time (with DELIVER_BY_START_TIME). */
    public function withStartTime(\DateTimeInterface $time): self
    {
        return $this->with('deliver_policy', self::DELIVER_BY_START_TIME)
            ->with('opt_start_time', $time->format('Y-m-d\TH:i:s.uP'));
    }

    /** One of the ACK_* constants. */
    public function withAckPolicy(string $policy): self
    {
        return $this->with('ack_policy', $policy);
    }

    /** Seconds before an unacknowledged message is redelivered. */
    public function withAckWait(float $seconds): self
    {
        return $this->with('ack_wait', $seconds);
    }

    public function withMaxDeliver(int $max): self
    {
        return $this->with('max_deliver', $max);
    }

    /** @param list<float> $seconds redelivery delays, one per delivery */
    public function withBackoff(array $seconds): self
    {
        return $this->with('backoff', array_values($seconds));
    }

    public function withMaxAckPending(int $max): self
    {
        return $this->with('max_ack_pending', $max);
    }

    /** One of the REPLAY_* constants. */
    public function withReplayPolicy(string $policy): self
    {
        return $this->with('replay_policy', $policy);
    }

    public function withDescription(string $description): self
    {
        return $this->with('description', $description);
    }

    /** Seconds of inactivity after which the server removes the consumer. */
    public function withInactiveThreshold(float $seconds): self
    {
        return $this->with('inactive_threshold', $seconds);
    }
}
