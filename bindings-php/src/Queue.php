<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * A durable job queue on JetStream (`$nats->queue('default')`). Jobs pushed here can be
 * worked by any natskit host; settings come from the connection's `queue` configuration.
 */
final class Queue
{
    private ?CData $handle;

    /** Opens queue `$name` on `$client`'s connection. */
    public function __construct(private readonly Client $client, private readonly string $name)
    {
        $this->handle = Library::call('natskit_queue*', 'natskit_queue_new', $client->handle(), $name);
    }

    public function __destruct()
    {
        Library::free('natskit_queue_free', $this->handle);
    }

    /** The queue's name. */
    public function getName(): string
    {
        return $this->name;
    }

    /**
     * Pushes job `$job` with `$data` (any JSON-encodable value) and options (`tries`, `backoff`
     * (seconds or a list), `retryUntil` (seconds from now), `maxExceptions`, `timeout`,
     * `uniqueKey`, `partitionKey`, `delay`, `id`, `displayName`). Returns the job id once the stream stored
     * it, or null when a job with the same unique key is pending (policy `ignore`).
     */
    public function push(string $job, mixed $data = null, array $options = []): ?string
    {
        $id = Library::out('char*');
        Library::check(Library::ffi()->natskit_queue_push(
            $this->handle,
            $job,
            Payload::json($data),
            self::options($options),
            \FFI::addr($id),
        ));
        return Library::ownedString($id);
    }

    /** Pushes a job that becomes available after `$delay` seconds (or at a time). */
    public function later(float|int|\DateTimeInterface $delay, string $job, mixed $data = null, array $options = []): ?string
    {
        $id = Library::out('char*');
        Library::check(Library::ffi()->natskit_queue_later(
            $this->handle,
            Library::millis(self::seconds($delay), 'delay'),
            $job,
            Payload::json($data),
            self::options($options),
            \FFI::addr($id),
        ));
        return Library::ownedString($id);
    }

    /** Pushes a whole envelope (from another host, or a Laravel payload), after `$delay` seconds. */
    public function pushRaw(string|array $envelope, float|int $delay = 0): ?string
    {
        $id = Library::out('char*');
        Library::check(Library::ffi()->natskit_queue_push_envelope(
            $this->handle,
            is_string($envelope) ? $envelope : Payload::json($envelope),
            Library::millis($delay),
            \FFI::addr($id),
        ));
        return Library::ownedString($id);
    }

    /**
     * Pushes many envelopes at once (up to 256 stores in flight), each available after `$delay`
     * seconds; returns their ids once all are stored (null for ignored unique duplicates).
     *
     * @param list<string|array> $envelopes
     * @return list<?string>
     */
    public function pushRawMany(array $envelopes, float|int $delay = 0): array
    {
        $items = array_map(
            static fn (string|array $e) => is_string($e) ? json_decode($e, false, 512, JSON_THROW_ON_ERROR) : $e,
            array_values($envelopes),
        );
        $ids = Library::out('char*');
        Library::check(Library::ffi()->natskit_queue_push_envelopes(
            $this->handle,
            Payload::json($items),
            Library::millis($delay),
            \FFI::addr($ids),
        ));
        return Library::ownedJson($ids);
    }

    /**
     * Stores again an envelope stored before (a failed job being retried) under a fresh
     * message id, so the two-minute duplicate window cannot drop it; returns the job id.
     */
    public function pushCopy(string|array $envelope, float|int $delay = 0): string
    {
        $id = Library::out('char*');
        Library::check(Library::ffi()->natskit_queue_push_copy(
            $this->handle,
            is_string($envelope) ? $envelope : Payload::json($envelope),
            Library::millis($delay),
            \FFI::addr($id),
        ));
        return (string) Library::ownedString($id);
    }

    /**
     * Takes the next job, waiting up to `$timeout` seconds (null or 0 = only what is ready);
     * null when none came. The job stays
     * reserved until delete(), release(), fail() or complete(); unfinished, it is redelivered
     * after the queue's `retry_after`.
     */
    public function pop(?float $timeout = null): ?Job
    {
        $job = Library::callOrNull('natskit_job*', 'natskit_queue_pop', $this->handle, Library::timeout($timeout));
        return $job === null ? null : new Job($job);
    }

    /** @return list<Job> up to `$max` jobs, waiting up to `$timeout` seconds for the first */
    public function popMany(int $max, ?float $timeout = null): array
    {
        $ffi = Library::ffi();
        $slots = Library::slots('natskit_job*', $max, 'max');
        $count = Library::out('size_t');
        Library::check($ffi->natskit_queue_pop_many($this->handle, $max, Library::timeout($timeout), $slots, \FFI::addr($count)));
        $jobs = [];
        for ($i = 0; $i < $count->cdata; $i++) {
            $jobs[] = new Job($slots[$i]);
        }
        return $jobs;
    }

    /** A reader that takes up to `$size` jobs per pull and hands them out one by one. */
    public function prefetch(int $size): Prefetch
    {
        return new Prefetch($this, $size);
    }

    /** Jobs not yet done (ready + reserved + delayed), like Laravel's `size()`. */
    public function size(): int
    {
        $sizes = $this->sizes();
        return $sizes->ready + $sizes->reserved + $sizes->delayed;
    }

    /** Every number of the queue: ready, reserved, delayed, failed, age of the oldest. */
    public function sizes(): QueueSize
    {
        return QueueSize::fromArray(Library::json('natskit_queue_size_json', $this->handle));
    }

    /**
     * Where this queue's stream lives: `layout` (`shared` or `per-queue`), `stream`, `leader`,
     * `replicas`, `servers`, `cluster`.
     *
     * @return array<string, mixed>
     */
    public function placement(): array
    {
        return Library::json('natskit_queue_placement_json', $this->handle);
    }

    /**
     * Moves this queue's waiting and delayed jobs from the shared stream to its own stream;
     * returns `queue`, `stream` and the counts `ready`, `delayed` moved and `reserved` left.
     *
     * @return array<string, mixed>
     */
    public function migrate(): array
    {
        return Library::json('natskit_queue_migrate_json', $this->handle);
    }

    /**
     * Removes every waiting and delayed job (their unique keys are free again); returns the
     * envelopes removed.
     *
     * @return list<array<string, mixed>>
     */
    public function clearJobs(): array
    {
        return Library::json('natskit_queue_clear_json', $this->handle);
    }

    /** Removes every waiting and delayed job (their unique keys are free again); returns how many. */
    public function clear(): int
    {
        return Library::call('uint64_t', 'natskit_queue_clear', $this->handle)->cdata;
    }

    /** The failed-jobs store of this queue's connection. */
    public function failed(): FailedJobs
    {
        return new FailedJobs($this);
    }

    /** The native handle. */
    public function handle(): CData
    {
        return $this->handle ?? throw new Exception\ClosedException("the queue {$this->name} is released", 9);
    }

    private static function options(array $options): ?string
    {
        return $options === [] ? null : Payload::json((object) $options);
    }

    private static function seconds(float|int|\DateTimeInterface $delay): float
    {
        if ($delay instanceof \DateTimeInterface) {
            return max(0.0, (float) $delay->format('U.u') - microtime(true));
        }
        return (float) $delay;
    }
}
