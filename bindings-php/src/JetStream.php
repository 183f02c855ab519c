<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\JetStream\ConsumerConfig;
use NatsKit\JetStream\ConsumerInfo;
use NatsKit\JetStream\ConsumerMessages;
use NatsKit\JetStream\JetStreamMessage;
use NatsKit\JetStream\KeyValue;
use NatsKit\JetStream\ObjectStore;
use NatsKit\JetStream\StoredMessage;
use NatsKit\JetStream\StreamConfig;
use NatsKit\JetStream\StreamInfo;

/**
 * The JetStream API of a connection (`$nats->jetstream()`), with the seed's method names.
 * Errors: NotFoundException (stream 10059, consumer 10014, …), JetStreamException (other API
 * errors, with the server's err_code in the message), JetStreamNotEnabledException.
 */
final class JetStream
{
    private ?CData $handle;

    public function __construct(Client $client)
    {
        $this->handle = Library::call('natskit_js*', 'natskit_js_new', $client->handle());
    }

    public function __destruct()
    {
        Library::free('natskit_js_free', $this->handle);
    }

    /** Whether the server has JetStream. */
    public function isAvailable(): bool
    {
        return Library::call('bool', 'natskit_js_is_available', $this->handle)->cdata;
    }

    /** The account's usage and limits (`memory`, `storage`, `streams`, `consumers`, `limits`, …). */
    public function getAccountInfo(): array
    {
        return $this->json('natskit_js_account_info');
    }

    public function createStream(StreamConfig $config): StreamInfo
    {
        return new StreamInfo($this->json('natskit_js_stream_create', Payload::json($config->toArray())));
    }

    public function updateStream(StreamConfig $config): StreamInfo
    {
        return new StreamInfo($this->json('natskit_js_stream_update', Payload::json($config->toArray())));
    }

    public function getStreamInfo(string $stream): StreamInfo
    {
        return new StreamInfo($this->json('natskit_js_stream_info', $stream));
    }

    /** @return array{total: int, offset: int, limit: int, streams: list<StreamInfo>} one page from `$offset` */
    public function listStreams(int $offset = 0, ?string $subject = null): array
    {
        $page = $this->json('natskit_js_stream_list', $offset, $subject);
        return self::page($page, 'streams', static fn (array $i) => new StreamInfo($i));
    }

    /** @return list<string> every stream name (optionally only those with a subject matching `$subject`) */
    public function streamNames(?string $subject = null): array
    {
        return $this->json('natskit_js_stream_names', $subject);
    }

    /** Purges everything, or one subject, and/or all but the newest `$keep`; returns how many went. */
    public function purgeStream(string $stream, ?string $subject = null, ?int $keep = null, ?int $sequence = null): int
    {
        $options = array_filter(['subject' => $subject, 'keep' => $keep, 'sequence' => $sequence], static fn ($v) => $v !== null);
        $json = $options === [] ? null : Payload::json($options);
        return Library::call('uint64_t', 'natskit_js_stream_purge', $this->handle, $stream, $json)->cdata;
    }

    public function deleteStream(string $stream): void
    {
        Library::check(Library::ffi()->natskit_js_stream_delete($this->handle, $stream));
    }

    /** The message at `$sequence` (NotFoundException when there is none). */
    public function getMessage(string $stream, int $sequence): StoredMessage
    {
        return $this->stored('natskit_js_stream_get_message', $stream, $sequence);
    }

    /** The newest message on `$subject`. */
    public function getLastMessage(string $stream, string $subject): StoredMessage
    {
        return $this->stored('natskit_js_stream_last_message', $stream, $subject);
    }

    public function deleteMessage(string $stream, int $sequence): void
    {
        Library::check(Library::ffi()->natskit_js_stream_delete_message($this->handle, $stream, $sequence));
    }

    /**
     * Creates a durable consumer (the seed's `createConsumer($stream, $name, $config)`; the name
     * may be left out when the config has it).
     */
    public function createConsumer(string $stream, string|ConsumerConfig $name, ?ConsumerConfig $config = null): ConsumerInfo
    {
        $config = self::consumerConfig($name, $config);
        return new ConsumerInfo($this->json('natskit_js_consumer_create', $stream, Payload::json($config->toArray())));
    }

    public function updateConsumer(string $stream, string|ConsumerConfig $name, ?ConsumerConfig $config = null): ConsumerInfo
    {
        $config = self::consumerConfig($name, $config);
        return new ConsumerInfo($this->json('natskit_js_consumer_update', $stream, Payload::json($config->toArray())));
    }

    public function getConsumerInfo(string $stream, string $consumer): ConsumerInfo
    {
        return new ConsumerInfo($this->json('natskit_js_consumer_info', $stream, $consumer));
    }

    /** @return array{total: int, offset: int, limit: int, consumers: list<ConsumerInfo>} */
    public function listConsumers(string $stream, int $offset = 0): array
    {
        $page = $this->json('natskit_js_consumer_list', $stream, $offset);
        return self::page($page, 'consumers', static fn (array $i) => new ConsumerInfo($i));
    }

    public function deleteConsumer(string $stream, string $consumer): void
    {
        Library::check(Library::ffi()->natskit_js_consumer_delete($this->handle, $stream, $consumer));
    }

    /** @return array{paused: bool, pause_until: ?string, pause_remaining: ?int} */
    public function pauseConsumer(string $stream, string $consumer, \DateTimeInterface $until): array
    {
        $utc = \DateTimeImmutable::createFromInterface($until)->setTimezone(new \DateTimeZone('UTC'));
        return $this->json('natskit_js_consumer_pause', $stream, $consumer, $utc->format('Y-m-d\TH:i:s\Z'));
    }

    /** @return array{paused: bool, pause_until: ?string, pause_remaining: ?int} */
    public function resumeConsumer(string $stream, string $consumer): array
    {
        return $this->json('natskit_js_consumer_resume', $stream, $consumer);
    }

    /**
     * Publishes to a stream and waits for the ack. Options: `msg_id`, `expected_stream`,
     * `expected_last_seq`, `expected_last_msg_id`, `expected_last_subject_seq`, `ttl` (seconds),
     * `headers`.
     *
     * @return array{stream: string, sequence: int, duplicate: bool, domain: ?string}
     */
    public function publish(string $subject, mixed $payload = '', array $options = []): array
    {
        $data = Payload::encode($payload);
        if (isset($options['headers'])) {
            $options['headers'] = json_decode((string) Payload::headers($options['headers']), true) ?? (object) [];
        }
        return $this->json('natskit_js_publish', $subject, $data, strlen($data), $options === [] ? null : Payload::json($options));
    }

    /**
     * The next message, waiting up to `$timeout` seconds (null = the connection's
     * `jetstream.timeout`, 0 = no wait: only what is there); null when none came.
     */
    public function fetchNextMessage(string $stream, string $consumer, ?float $timeout = null): ?JetStreamMessage
    {
        $wait = Library::timeout($timeout);
        $message = Library::callOrNull('natskit_js_msg*', 'natskit_js_fetch_next', $this->handle, $stream, $consumer, $wait);
        return $message === null ? null : new JetStreamMessage($message);
    }

    /**
     * Up to `$batch` messages: those available now, or else the first to arrive within
     * `$timeout` seconds (null = the connection's `jetstream.timeout`, 0 = no wait) with
     * whatever is available right after it.
     *
     * @return list<JetStreamMessage>
     */
    public function fetch(string $stream, string $consumer, int $batch, ?float $timeout = null): array
    {
        $ffi = Library::ffi();
        $slots = Library::slots('natskit_js_msg*', $batch, 'batch');
        $count = Library::out('size_t');
        Library::check($ffi->natskit_js_fetch(
            $this->handle,
            $stream,
            $consumer,
            $batch,
            Library::timeout($timeout),
            $slots,
            \FFI::addr($count),
        ));
        $messages = [];
        for ($i = 0; $i < $count->cdata; $i++) {
            $messages[] = new JetStreamMessage($slots[$i]);
        }
        return $messages;
    }

    /**
     * Consumes continuously; take the messages with next(). A pull consumer: pulls of `batch`
     * messages (default 256), each open for `expires` seconds (default 30), with idle heartbeats
     * every `heartbeat` seconds (default 5; two missed ones make next() throw a
     * TimeoutException, a deleted consumer a NotFoundException). A push consumer is read from
     * its deliver subject.
     *
     * @param array{batch?: int, expires?: float, heartbeat?: float} $options
     */
    public function consume(string $stream, string $consumer, array $options = []): ConsumerMessages
    {
        $json = $options === [] ? null : Payload::json($options);
        return new ConsumerMessages(Library::call('natskit_js_consumer_messages*', 'natskit_js_consume', $this->handle, $stream, $consumer, $json));
    }

    /**
     * Reads `$stream` in order through an ordered consumer (ephemeral, no acks, recreated from
     * the next sequence after a gap or a server restart); take the messages with next().
     *
     * @param array{deliver_policy?: string, opt_start_seq?: int, opt_start_time?: string|\DateTimeInterface, filter_subjects?: string|list<string>, heartbeat?: float} $options
     */
    public function ordered(string $stream, array $options = []): ConsumerMessages
    {
        if (($options['opt_start_time'] ?? null) instanceof \DateTimeInterface) {
            $utc = \DateTimeImmutable::createFromInterface($options['opt_start_time'])->setTimezone(new \DateTimeZone('UTC'));
            $options['opt_start_time'] = $utc->format('Y-m-d\TH:i:s.u\Z');
        }
        $json = $options === [] ? null : Payload::json($options);
        return new ConsumerMessages(Library::call('natskit_js_consumer_messages*', 'natskit_js_ordered', $this->handle, $stream, $json));
    }

    public function ack(JetStreamMessage $message): void
    {
        $message->ack();
    }

    /**
     * Acknowledges every message, in order, in one call into the library (at most 1,048,576).
     * Stops at the first that fails (the error names its index); those before it are acked.
     *
     * @param list<JetStreamMessage> $messages
     */
    public function ackMany(array $messages): void
    {
        $count = count($messages);
        if ($count === 0) {
            return;
        }
        $handles = Library::ffi()->new("natskit_js_msg*[{$count}]");
        $i = 0;
        foreach ($messages as $message) {
            $handles[$i++] = $message->handle();
        }
        Library::check(Library::ffi()->natskit_js_msg_ack_many($handles, $count));
    }

    /** Redelivers after `$delay` seconds (null = at once or per the consumer's backoff). */
    public function nak(JetStreamMessage $message, ?float $delay = null): void
    {
        $message->nak($delay);
    }

    public function term(JetStreamMessage $message, ?string $reason = null): void
    {
        $message->term($reason);
    }

    public function inProgress(JetStreamMessage $message): void
    {
        $message->inProgress();
    }

    /**
     * Creates a key-value bucket: `bucket`, `description`, `history`, `max_age` (seconds),
     * `max_bytes`, `max_value_size`, `storage` ('file'|'memory'), `num_replicas`.
     */
    public function createKeyValue(string $bucket, array $options = []): KeyValue
    {
        $config = Payload::json(['bucket' => $bucket] + $options);
        return new KeyValue(Library::call('natskit_kv*', 'natskit_kv_create', $this->handle, $config), $bucket);
    }

    /** An existing bucket (NotFoundException when there is none). */
    public function keyValue(string $bucket): KeyValue
    {
        return new KeyValue(Library::call('natskit_kv*', 'natskit_kv_open', $this->handle, $bucket), $bucket);
    }

    public function deleteKeyValue(string $bucket): void
    {
        Library::check(Library::ffi()->natskit_kv_delete_bucket($this->handle, $bucket));
    }

    /**
     * Creates an object store bucket: `description`, `max_age` (TTL, seconds), `max_bytes`,
     * `storage` ('file'|'memory'), `num_replicas`, `compression`.
     */
    public function createObjectStore(string $bucket, array $options = []): ObjectStore
    {
        $config = Payload::json(['bucket' => $bucket] + $options);
        return new ObjectStore(Library::call('natskit_obj*', 'natskit_obj_create', $this->handle, $config), $bucket);
    }

    /** An existing object store bucket (NotFoundException when there is none). */
    public function objectStore(string $bucket): ObjectStore
    {
        return new ObjectStore(Library::call('natskit_obj*', 'natskit_obj_open', $this->handle, $bucket), $bucket);
    }

    public function deleteObjectStore(string $bucket): void
    {
        Library::check(Library::ffi()->natskit_obj_delete_bucket($this->handle, $bucket));
    }

    /** @return list<string> the names of every object store bucket */
    public function objectStoreNames(): array
    {
        return $this->json('natskit_obj_buckets');
    }

    /** Calls `$function($handle, ...$arguments, &$json)` and decodes the owned JSON result. */
    private function json(string $function, mixed ...$arguments): mixed
    {
        return Library::json($function, $this->handle, ...$arguments);
    }

    private function stored(string $function, string $stream, int|string $which): StoredMessage
    {
        $json = Library::out('char*');
        $data = Library::out('void*');
        $len = Library::out('size_t');
        Library::check(Library::ffi()->$function($this->handle, $stream, $which, \FFI::addr($json), \FFI::addr($data), \FFI::addr($len)));
        $meta = Library::ownedJson($json);
        $payload = Library::ownedBytes($data, $len->cdata);
        return new StoredMessage($meta['subject'], $meta['sequence'], $payload, $meta['headers'] ?: [], $meta['time']);
    }

    private static function page(array $page, string $key, \Closure $make): array
    {
        return [
            'total' => $page['total'],
            'offset' => $page['offset'],
            'limit' => $page['limit'],
            $key => array_map($make, $page['items']),
        ];
    }

    private static function consumerConfig(string|ConsumerConfig $name, ?ConsumerConfig $config): ConsumerConfig
    {
        if ($name instanceof ConsumerConfig) {
            return $name;
        }
        return ($config ?? new ConsumerConfig($name))->with('durable_name', $name);
    }
}
