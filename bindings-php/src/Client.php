<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\Exception\ClosedException;
use NatsKit\Exception\TimeoutException;

/**
 * A connection to NATS. The library's own I/O threads keep it alive (pings, reconnects)
 * while PHP is busy; callbacks run only on the PHP thread, inside process() and while
 * request() waits. Connection events are pull-style (pollEvent()): nothing calls into PHP
 * from another thread.
 */
final class Client
{
    /** @var array<int, Subscription> subscriptions with callbacks, by object id */
    private array $subscriptions = [];

    /** The library, kept for the hot calls (publish). */
    private \FFI $ffi;

    /** Takes ownership of a `natskit_client *`; durations inside its JSON are seconds. */
    public function __construct(private ?CData $handle)
    {
        $this->ffi = Library::ffi();
        Library::check($this->ffi->natskit_client_set_duration_unit($handle, Library::UNIT_SECONDS));
    }

    public function __destruct()
    {
        $this->subscriptions = [];
        Library::free('natskit_client_free', $this->handle);
    }

    /** Connects with a URL (`nats://host:port`, comma-separated list allowed) or connection options. */
    public static function connect(string|array $options = []): self
    {
        if (is_string($options)) {
            $options = ['servers' => $options];
        }
        $json = Payload::json((object) $options);
        return new self(Library::call('natskit_client*', 'natskit_connect', $json));
    }

    /**
     * Publishes a payload (strings as bytes, arrays as JSON) with optional headers and reply
     * subject. Returns once it is checked and staged; the library sends staged publishes in
     * call order. One the connection refuses later (reconnect buffer full, closed) fails the
     * next publish, flush(), drain() or close(): flush or close before the script ends.
     */
    public function publish(string $subject, mixed $payload = '', array $headers = [], ?string $replyTo = null): void
    {
        $data = is_string($payload) ? $payload : Payload::encode($payload);
        if ($headers === [] && $replyTo === null) {
            $status = $this->ffi->natskit_publish($this->handle ?? $this->handle(), $subject, $data, strlen($data));
            if ($status !== 0) {
                Library::check($status);
            }
            return;
        }
        Library::check($this->ffi->natskit_publish_msg(
            $this->handle(),
            $subject,
            $replyTo,
            Payload::headers($headers),
            $data,
            strlen($data),
        ));
    }

    /**
     * Publishes every payload (strings as bytes, arrays as JSON) to `$subject`, in order, in
     * one call into the library: all are checked first, and none is sent when one fails
     * (at most 1,048,576 per call). Staged as publish().
     *
     * @param list<mixed> $payloads
     */
    public function publishMany(string $subject, array $payloads): void
    {
        $count = count($payloads);
        if ($count === 0) {
            return;
        }
        $data = [];
        foreach ($payloads as $payload) {
            $data[] = is_string($payload) ? $payload : Payload::encode($payload);
        }
        $packed = implode('', $data);
        $lens = $this->ffi->new("size_t[{$count}]");
        \FFI::memcpy($lens, pack('P*', ...array_map('strlen', $data)), 8 * $count);
        Library::check($this->ffi->natskit_publish_packed($this->handle(), $subject, $packed, strlen($packed), $lens, $count));
    }

    /**
     * Sends a request and waits up to `$timeout` seconds for the reply. While it waits, messages
     * for this client's callback subscriptions go to their callbacks (on this thread), so this
     * client can answer its own request; a callback's exception abandons the request.
     */
    public function request(string $subject, mixed $payload = '', float $timeout = 5.0, array $headers = []): Message
    {
        if ($timeout <= 0) {
            throw new Exception\InvalidArgumentException("timeout must be positive, got {$timeout}", 1);
        }
        $data = Payload::encode($payload);
        $millis = max(1, Library::millis($timeout, 'timeout'));
        if ($this->subscriptions !== []) {
            return $this->requestServing($subject, $data, $millis, $headers);
        }
        $reply = Library::out('natskit_message*');
        Library::check(Library::ffi()->natskit_request_msg(
            $this->handle(),
            $subject,
            Payload::headers($headers),
            $data,
            strlen($data),
            $millis,
            \FFI::addr($reply),
        ));
        return new Message($reply);
    }

    /** `request()` with callback subscriptions: each wait ends with the reply or a message for one of them. */
    private function requestServing(string $subject, string $data, int $millis, array $headers): Message
    {
        $ffi = Library::ffi();
        $pending = Library::call(
            'natskit_pending_request*',
            'natskit_request_start',
            $this->handle(),
            $subject,
            Payload::headers($headers),
            $data,
            strlen($data),
            $millis,
        );
        try {
            for (;;) {
                $subscriptions = array_values($this->subscriptions);
                $index = Library::out('size_t');
                $message = Library::out('natskit_message*');
                Library::check($ffi->natskit_pending_request_wait(
                    $pending,
                    $this->handles($subscriptions),
                    count($subscriptions),
                    \FFI::addr($index),
                    \FFI::addr($message),
                ));
                if ($index->cdata === count($subscriptions)) {
                    return new Message($message);
                }
                $subscriptions[$index->cdata]->dispatch(new Message($message));
            }
        } finally {
            $ffi->natskit_pending_request_free($pending);
        }
    }

    /**
     * @param list<Subscription> $subscriptions
     * @return CData|null a `natskit_subscription*[]` (null when empty)
     */
    private function handles(array $subscriptions): ?CData
    {
        if ($subscriptions === []) {
            return null;
        }
        $handles = Library::ffi()->new('natskit_subscription*[' . count($subscriptions) . ']');
        foreach ($subscriptions as $i => $subscription) {
            $handles[$i] = $subscription->handle();
        }
        return $handles;
    }

    /**
     * Subscribes to a subject (wildcards allowed), optionally in a queue group. With a callback,
     * messages are handed to it by process(); without one, pull them with Subscription::next().
     */
    public function subscribe(string $subject, ?callable $callback = null, ?string $queueGroup = null): Subscription
    {
        $handle = Library::call('natskit_subscription*', 'natskit_subscribe', $this->handle(), $subject, $queueGroup);
        $forget = function (Subscription $s): void {
            unset($this->subscriptions[spl_object_id($s)]);
        };
        $subscription = new Subscription($handle, $subject, $queueGroup, $callback, $forget);
        if ($callback !== null) {
            $this->subscriptions[spl_object_id($subscription)] = $subscription;
        }
        return $subscription;
    }

    /**
     * Waits up to `$timeout` seconds for a first message, then hands it and every message already
     * waiting to the subscriptions' callbacks, on this thread. Returns how many were dispatched.
     */
    public function process(float $timeout = 0.0): int
    {
        $wait = max(0, (int) round($timeout * 1000));
        if ($this->subscriptions === []) {
            usleep($wait * 1000);
            return 0;
        }
        $ffi = Library::ffi();
        $count = 0;
        while ($this->subscriptions !== []) {
            $subscriptions = array_values($this->subscriptions);
            $handles = $this->handles($subscriptions);
            $index = Library::out('size_t');
            $message = Library::out('natskit_message*');
            try {
                Library::check($ffi->natskit_subscription_next_any(
                    $handles,
                    count($subscriptions),
                    $wait,
                    \FFI::addr($index),
                    \FFI::addr($message),
                ));
            } catch (TimeoutException) {
                break;
            }
            $subscriptions[$index->cdata]->dispatch(new Message($message));
            $count++;
            $wait = 0;
        }
        return $count;
    }

    /** The JetStream API of this connection. */
    public function jetstream(): JetStream
    {
        return new JetStream($this);
    }

    /** The job queue `$name` on this connection. */
    public function queue(string $name = 'default'): Queue
    {
        return new Queue($this, $name);
    }

    /** A worker on this connection running PHP handlers (see Worker for the options). */
    public function worker(array $options = []): Worker
    {
        return new Worker($this, $options);
    }

    /**
     * Starts a service (name of letters, digits, `-`, `_`; a semantic version); its endpoints
     * join `$queueGroup` (`q` by default).
     *
     * @param array<string, string> $metadata
     */
    public function addService(string $name, string $version, ?string $description = null, array $metadata = [], ?string $queueGroup = null): Service
    {
        $config = ['name' => $name, 'version' => $version, 'description' => $description, 'metadata' => (object) $metadata, 'queue_group' => $queueGroup];
        return new Service(Library::call('natskit_service*', 'natskit_service_add', $this->handle(), Payload::encode($config)), $name, $version);
    }

    /** The PING answers of running services (all, those named `$name`, or instance `$id`), collected up to `$timeout` seconds (default 1). */
    public function servicePing(?string $name = null, ?string $id = null, ?float $timeout = null): array
    {
        return $this->discover('PING', $name, $id, $timeout);
    }

    /** The INFO answers of running services (their endpoints), as servicePing(). */
    public function serviceInfo(?string $name = null, ?string $id = null, ?float $timeout = null): array
    {
        return $this->discover('INFO', $name, $id, $timeout);
    }

    /** The STATS answers of running services (times in seconds), as servicePing(). */
    public function serviceStats(?string $name = null, ?string $id = null, ?float $timeout = null): array
    {
        return $this->discover('STATS', $name, $id, $timeout);
    }

    private function discover(string $verb, ?string $name, ?string $id, ?float $timeout): array
    {
        $wait = $timeout === null ? Library::TIMEOUT_DEFAULT : max(1, Library::millis($timeout, 'timeout'));
        return Library::json('natskit_service_discover', $this->handle(), $verb, $name, $id, $wait);
    }

    /** Returns once everything published so far has reached the server. */
    public function flush(): void
    {
        Library::check(Library::ffi()->natskit_client_flush($this->handle()));
    }

    /** Drains every subscription, then closes the connection. */
    public function drain(): void
    {
        Library::check(Library::ffi()->natskit_client_drain($this->handle()));
    }

    /** Flushes and closes the connection; closing twice is fine. */
    public function close(): void
    {
        if ($this->handle !== null) {
            Library::check(Library::ffi()->natskit_client_close($this->handle));
        }
    }

    /** @return array{in_msgs: int, out_msgs: int, in_bytes: int, out_bytes: int, reconnects: int, dropped: int} */
    public function stats(): array
    {
        return Library::json('natskit_client_stats_json', $this->handle());
    }

    /**
     * Runs the health checks (`natskit health`): the connection and its round trip, then, when
     * asked, JetStream, `streams`, `consumers` (`'STREAM:CONSUMER'`, judged by `lag`) and
     * `queues` (judged by `age`); thresholds are `['warn' => …, 'crit' => …]`, durations in
     * seconds. Returns `['status' => 'OK'|'WARNING'|'CRITICAL'|'UNKNOWN', 'code' => 0-3,
     * 'checks' => [['name', 'status', 'message', 'rtt'?, 'lag'?, 'age'?], …]]`.
     */
    public function health(array $options = []): array
    {
        $report = Library::out('char*');
        $status = Library::out('uint8_t');
        Library::check(Library::ffi()->natskit_health(
            $this->handle(),
            $options === [] ? null : Payload::json((object) $options),
            \FFI::addr($report),
            \FFI::addr($status),
        ));
        return Library::ownedJson($report) + ['code' => $status->cdata];
    }

    /** The oldest connection event not yet taken (`['event' => 'reconnected']`), or null. */
    public function pollEvent(): ?array
    {
        return Library::json('natskit_client_poll_event', $this->handle());
    }

    /** The largest payload (headers included) the server accepts. */
    public function maxPayload(): int
    {
        return Library::call('size_t', 'natskit_client_max_payload', $this->handle())->cdata;
    }

    /** The native handle (for the library's own classes). */
    public function handle(): CData
    {
        return $this->handle ?? throw new ClosedException('the client has been released', 9);
    }
}
