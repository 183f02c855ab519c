<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/** The subject, payload and headers of a received message (Message, JetStreamMessage), copied into PHP. */
trait MessageContent
{
    private string $subject;
    private string $payload;
    /** @var array<string, list<string>> */
    private array $headers;

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

    /** Copies the content of a `$type *` handle (`natskit_message`, `natskit_js_msg`). */
    private function copyContent(CData $handle, string $type): void
    {
        $this->subject = (string) Library::lent("{$type}_subject", $handle);
        $this->payload = Library::lentBytes("{$type}_data", $handle);
        $this->headers = Library::lentJson(Library::call('const char*', "{$type}_headers_json", $handle)) ?: [];
    }
}
