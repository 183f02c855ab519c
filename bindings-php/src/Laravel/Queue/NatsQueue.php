<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Queue;

use Illuminate\Bus\UniqueLock;
use Illuminate\Contracts\Cache\Repository as Cache;
use Illuminate\Contracts\Queue\ClearableQueue;
use Illuminate\Contracts\Queue\ShouldBeUnique;
use Illuminate\Contracts\Queue\Queue as QueueContract;
use Illuminate\Queue\Queue;
use NatsKit\Client;
use NatsKit\Exception\NatsException;
use NatsKit\Prefetch;
use NatsKit\Queue as NatsKitQueue;
use NatsKit\QueueSize;

/**
 * Laravel's `nats` queue on natskit's durable JetStream queue: a push returns once the
 * stream stored the job, `later()` is a server schedule, and a popped job stays reserved
 * (heartbeats from natskit's own threads) until it is deleted, released or its worker dies,
 * when it comes back after `retry_after`. Pops take up to `prefetch` jobs per pull.
 */
class NatsQueue extends Queue implements QueueContract, ClearableQueue
{
    /** Jobs one pull takes when the connection sets no `prefetch`: 0 adapts (1 up to 64). */
    public const DEFAULT_PREFETCH = 0;

    /** @var array<string, NatsKitQueue> */
    private array $queues = [];
    /** @var array<string, Prefetch> */
    private array $readers = [];

    public function __construct(
        private readonly Client $client,
        private readonly string $default,
        private readonly float $blockFor = 0.0,
        private readonly int $prefetch = self::DEFAULT_PREFETCH,
        private readonly ?string $deadLetterSubject = null,
        bool $dispatchAfterCommit = false,
    ) {
        $this->dispatchAfterCommit = $dispatchAfterCommit;
        $self = \WeakReference::create($this);
        register_shutdown_function(static fn () => $self->get()?->release(false));
    }

    /** Hands prefetched jobs back and closes the connection when Laravel lets the queue go. */
    public function __destruct()
    {
        $this->release(true);
    }

    /** Jobs not yet done: ready, reserved and delayed. */
    public function size($queue = null): int
    {
        $size = $this->sizes($queue);
        return $size->ready + $size->reserved + $size->delayed;
    }

    /** Jobs waiting to be taken. */
    public function pendingSize($queue = null): int
    {
        return $this->sizes($queue)->ready;
    }

    /** Jobs scheduled for later. */
    public function delayedSize($queue = null): int
    {
        return $this->sizes($queue)->delayed;
    }

    /** Jobs a worker holds. */
    public function reservedSize($queue = null): int
    {
        return $this->sizes($queue)->reserved;
    }

    /** Unix time the oldest waiting job was queued at, or null when none waits. */
    public function creationTimeOfOldestPendingJob($queue = null): ?int
    {
        $size = $this->sizes($queue);
        return $size->ready > 0 ? (int) floor(microtime(true) - $size->oldestAge) : null;
    }

    /** Every number of the queue at once (natskit's view, failed jobs included). */
    public function sizes(?string $queue = null): QueueSize
    {
        return $this->queue($queue)->sizes();
    }

    public function push($job, $data = '', $queue = null)
    {
        $queue = $this->getQueue($queue);
        return $this->enqueueUsing(
            $job,
            $this->createPayload($job, $queue, $data),
            $queue,
            null,
            fn (string $payload, string $queue) => $this->queue($queue)->pushRaw($payload),
        );
    }

    /**
     * Stores a payload (a Laravel payload, or any natskit envelope); returns the job id. It is
     * stored even when a job with its uuid was stored before (`queue:retry` re-pushes failed
     * payloads this way); dispatches are deduplicated by uuid instead.
     */
    public function pushRaw($payload, $queue = null, array $options = [])
    {
        return $this->queue($queue)->pushCopy($payload, (float) ($options['delay'] ?? 0));
    }

    public function later($delay, $job, $data = '', $queue = null)
    {
        $queue = $this->getQueue($queue);
        return $this->enqueueUsing(
            $job,
            $this->createPayload($job, $queue, $data),
            $queue,
            $delay,
            fn (string $payload, string $queue, $delay) => $this->queue($queue)->pushRaw($payload, $this->secondsUntil($delay)),
        );
    }

    /**
     * Pushes many jobs with up to 256 stores in flight (no JobQueued event per job); returns
     * once every one is stored.
     */
    public function bulk($jobs, $data = '', $queue = null)
    {
        $queue = $this->getQueue($queue);
        $payloads = [];
        foreach ((array) $jobs as $job) {
            $payloads[] = $this->createPayload($job, $queue, $data);
        }
        return $payloads === [] ? [] : $this->queue($queue)->pushRawMany($payloads);
    }

    public function pop($queue = null)
    {
        $name = $this->getQueue($queue);
        $job = ($this->readers[$name] ??= $this->queue($name)->prefetch($this->prefetch))->pop($this->blockFor);
        if ($job === null) {
            return null;
        }
        return new NatsJob($this->container, $this, $job, (string) $this->connectionName, $name);
    }

    /**
     * Removes every waiting and delayed job of the queue and frees the unique locks
     * (`ShouldBeUnique`) of the jobs removed; returns how many.
     */
    public function clear($queue): int
    {
        $jobs = $this->queue($queue)->clearJobs();
        foreach ($jobs as $job) {
            $this->releaseUniqueLock($job['data']['command'] ?? null);
        }
        return count($jobs);
    }

    /** Puts jobs taken by pop() but not handed out back on their queues (done at exit). */
    public function unreserve(): int
    {
        $count = 0;
        foreach ($this->readers as $reader) {
            $count += $reader->unreserve();
        }
        return $count;
    }

    /** Frees the cache lock a cleared `ShouldBeUnique` job held, as running it would have. */
    private function releaseUniqueLock(mixed $serialized): void
    {
        $command = is_string($serialized) ? @unserialize($serialized) : null;
        if (!$command instanceof ShouldBeUnique) {
            return;
        }
        $cache = method_exists($command, 'uniqueVia') ? $command->uniqueVia() : $this->container->make(Cache::class);
        $key = method_exists(UniqueLock::class, 'getKey')
            ? UniqueLock::getKey($command)
            : 'laravel_unique_job:' . get_class($command)
                . (method_exists($command, 'uniqueId') ? $command->uniqueId() : ($command->uniqueId ?? ''));
        $cache->lock($key)->forceRelease();
    }

    /** unreserve() (and close) at the end: a failure is logged, not thrown. */
    private function release(bool $close): void
    {
        try {
            $this->unreserve();
            if ($close) {
                $this->readers = [];
                $this->queues = [];
                $this->client->close();
            }
        } catch (NatsException $e) {
            error_log("natskit: releasing the nats queue failed: {$e->getMessage()}");
        }
    }

    /**
     * The Laravel payload of a job object, as dispatch() would build it (used for jobs pushed
     * by other natskit hosts that name a Laravel job class).
     */
    public function payloadFor(object $command, string $queue): array
    {
        return $this->createPayloadArray($command, $queue);
    }

    /** The subject failed jobs are published to, if the connection has a dead-letter queue. */
    public function deadLetterSubject(): ?string
    {
        return $this->deadLetterSubject;
    }

    /** The natskit queue `$queue` (null = the connection's default queue). */
    public function queue(?string $queue = null): NatsKitQueue
    {
        $name = $this->getQueue($queue);
        return $this->queues[$name] ??= $this->client->queue($name);
    }

    /** The NATS connection of this queue. */
    public function getClient(): Client
    {
        return $this->client;
    }

    /** The queue name to use: `$queue`, else the connection's default. */
    public function getQueue(?string $queue): string
    {
        return $queue ?: $this->default;
    }
}
