<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

use FFI\CData;
use NatsKit\Library;
use NatsKit\MessageContent;

/** A message pulled from a consumer, with its delivery metadata and the ack methods. */
final class JetStreamMessage
{
    use MessageContent;

    /** @var ?array<string, mixed> read on first use */
    private ?array $metadata = null;

    /** Takes ownership of a `natskit_js_msg *`. */
    public function __construct(private ?CData $handle)
    {
        $this->copyContent($handle, 'natskit_js_msg');
    }

    public function __destruct()
    {
        Library::free('natskit_js_msg_free', $this->handle);
    }

    /** The payload decoded from JSON. */
    public function getDecodedPayload(): mixed
    {
        return json_decode($this->payload, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * @return array{stream: string, consumer: string, stream_seq: int, consumer_seq: int,
     *     delivered: int, pending: int, timestamp: string, domain: ?string}
     */
    public function getMetadata(): array
    {
        return $this->metadata ??= Library::lentJson(Library::call('const char*', 'natskit_js_msg_metadata_json', $this->handle));
    }

    public function getStreamSequence(): int
    {
        return $this->getMetadata()['stream_seq'];
    }

    /** The delivery attempt, from 1. */
    public function getDeliveryCount(): int
    {
        return $this->getMetadata()['delivered'];
    }

    /** @internal the native message, for batch calls (JetStream::ackMany()) */
    public function handle(): CData
    {
        return $this->handle ?? throw new \NatsKit\Exception\ClosedException('the message has been released', 9);
    }

    /** Acknowledges the message. */
    public function ack(): void
    {
        Library::check(Library::ffi()->natskit_js_msg_ack($this->handle));
    }

    /** Acknowledges and waits for the server to confirm. */
    public function doubleAck(): void
    {
        Library::check(Library::ffi()->natskit_js_msg_double_ack($this->handle));
    }

    /** Redelivers after `$delay` seconds (null = at once or per the consumer's backoff). */
    public function nak(?float $delay = null): void
    {
        Library::check(Library::ffi()->natskit_js_msg_nak($this->handle, $delay === null ? -1 : Library::millis($delay)));
    }

    /** Never redelivers it. */
    public function term(?string $reason = null): void
    {
        Library::check(Library::ffi()->natskit_js_msg_term($this->handle, $reason));
    }

    /** Resets the ack wait: still working on it. */
    public function inProgress(): void
    {
        Library::check(Library::ffi()->natskit_js_msg_in_progress($this->handle));
    }
}
