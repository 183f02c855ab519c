<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * The subject, payload and headers of a received message (Message, JetStreamMessage,
 * ServiceRequest): the payload is copied into PHP at once, the subject and headers on first
 * use (each is one more FFI call, which most handlers never need).
 */
trait MessageContent
{
    /** The C type of the handle (`natskit_message`, …), naming its accessors. */
    private string $type;
    private ?string $subject = null;
    private string $payload;
    /** @var ?array<string, list<string>> */
    private ?array $headers = null;

    /** The subject it was published to. */
    public function getSubject(): string
    {
        return $this->subject ??= (string) Library::lent("{$this->type}_subject", $this->handle);
    }

    /** The raw payload bytes. */
    public function getPayload(): string
    {
        return $this->payload;
    }

    /** @return array<string, list<string>> every header with all its values */
    public function getHeaders(): array
    {
        return $this->headers ??= Library::lentJson(Library::call('const char*', "{$this->type}_headers_json", $this->handle)) ?: [];
    }

    /** The first value of a header, ignoring the name's case. */
    public function getHeader(string $name): ?string
    {
        foreach ($this->getHeaders() as $key => $values) {
            if (strcasecmp($key, $name) === 0) {
                return $values[0] ?? null;
            }
        }
        return null;
    }

    /** Copies the payload of a `$type *` handle (`natskit_message`, `natskit_js_msg`), kept for the rest. */
    private function copyContent(CData $handle, string $type): void
    {
        $this->type = $type;
        $this->payload = Library::lentBytes("{$type}_data", $handle);
    }
}
