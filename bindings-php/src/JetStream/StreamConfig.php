<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

/**
 * An immutable stream configuration: every with…() returns a copy. Field names and units are
 * the server's (durations given in seconds here are sent as nanoseconds).
 */
final class StreamConfig
{
    use ServerFields;

    public const RETENTION_LIMITS = 'limits';
    public const RETENTION_INTEREST = 'interest';
    public const RETENTION_WORKQUEUE = 'workqueue';
    public const STORAGE_FILE = 'file';
    public const STORAGE_MEMORY = 'memory';
    public const DISCARD_OLD = 'old';
    public const DISCARD_NEW = 'new';

    /** Fields that are JSON arrays; every other array field is a JSON object. */
    private const LIST_FIELDS = ['subjects', 'sources', 'subject_transforms'];

    /** @param list<string> $subjects */
    public function __construct(string $name, array $subjects = [])
    {
        $this->fields = ['name' => $name, 'subjects' => array_values($subjects)];
    }

    /** A config from the server's JSON fields (e.g. a StreamInfo's config). */
    public static function fromArray(array $fields): self
    {
        $config = new self((string) ($fields['name'] ?? ''));
        $config->fields = $fields;
        return $config;
    }

    public function getName(): string
    {
        return $this->fields['name'];
    }

    /** @return list<string> */
    public function getSubjects(): array
    {
        return $this->fields['subjects'] ?? [];
    }

    /** @param list<string> $subjects */
    public function withSubjects(array $subjects): self
    {
        return $this->with('subjects', array_values($subjects));
    }

    public function withDescription(string $description): self
    {
        return $this->with('description', $description);
    }

    /** One of the RETENTION_* constants. */
    public function withRetention(string $retention): self
    {
        return $this->with('retention', $retention);
    }

    /** One of the STORAGE_* constants. */
    public function withStorage(string $storage): self
    {
        return $this->with('storage', $storage);
    }

    public function withMaxMessages(int $max): self
    {
        return $this->with('max_msgs', $max);
    }

    public function withMaxBytes(int $max): self
    {
        return $this->with('max_bytes', $max);
    }

    /** Message lifetime in seconds (0 = forever). */
    public function withMaxAge(float $seconds): self
    {
        return $this->with('max_age', $seconds);
    }

    public function withMaxMessageSize(int $bytes): self
    {
        return $this->with('max_msg_size', $bytes);
    }

    public function withMaxMessagesPerSubject(int $max): self
    {
        return $this->with('max_msgs_per_subject', $max);
    }

    /** One of the DISCARD_* constants. */
    public function withDiscard(string $policy): self
    {
        return $this->with('discard', $policy);
    }

    public function withReplicas(int $replicas): self
    {
        return $this->with('num_replicas', $replicas);
    }

    /** The message-id deduplication window in seconds. */
    public function withDuplicateWindow(float $seconds): self
    {
        return $this->with('duplicate_window', $seconds);
    }

    /** Allow per-message TTLs (`Nats-TTL`). */
    public function withAllowMessageTtl(bool $allow = true): self
    {
        return $this->with('allow_msg_ttl', $allow);
    }

    /** Allow message schedules (`Nats-Schedule`). */
    public function withAllowMessageSchedules(bool $allow = true): self
    {
        return $this->with('allow_msg_schedules', $allow);
    }
}
