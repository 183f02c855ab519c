<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

/**
 * The server's JSON fields of an immutable config (StreamConfig, ConsumerConfig): with() returns
 * a copy. The class names its JSON array fields in LIST_FIELDS; other array fields are objects.
 */
trait ServerFields
{
    /** @var array<string, mixed> */
    private array $fields;

    /** One field by its server name (durations in seconds), or null. */
    public function get(string $field): mixed
    {
        return $this->fields[$field] ?? null;
    }

    /** Any other server field. */
    public function with(string $field, mixed $value): self
    {
        $copy = clone $this;
        $copy->fields[$field] = $value;
        return $copy;
    }

    /** @return array<string, mixed> the server's JSON fields */
    public function toArray(): array
    {
        // Empty JSON objects the server sent (`metadata: {}`) decode as [] and must go back as objects.
        $fields = $this->fields;
        foreach ($fields as $key => $value) {
            if ($value === [] && !in_array($key, self::LIST_FIELDS, true)) {
                $fields[$key] = new \stdClass();
            }
        }
        return $fields;
    }
}
