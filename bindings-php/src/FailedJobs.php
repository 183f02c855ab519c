<?php

declare(strict_types=1);

namespace NatsKit;

/**
 * The failed-jobs store of a connection (Laravel's queue:failed / retry / forget / flush).
 * A failed job is an array with `id`, `connection`, `queue`, `payload` (the envelope),
 * `exception`, `message`, `trace` and `failed_at` (Unix seconds).
 */
final class FailedJobs
{
    public function __construct(private readonly Queue $queue)
    {
    }

    /**
     * Reports a job a host's own worker failed (`id`, `connection`, `queue`, `payload`,
     * `exception`, `message`, `trace`, optional `failed_at`): kept here when `$store`, and
     * published to `$deadLetterSubject` (the seed's dead-letter fields) when given.
     */
    public function report(array $failed, bool $store = true, ?string $deadLetterSubject = null): void
    {
        Library::check(Library::ffi()->natskit_queue_failed_report(
            $this->queue->handle(),
            Payload::json($failed),
            $store,
            $deadLetterSubject,
        ));
    }

    /** @return list<array<string, mixed>> failed jobs of `$queue` (null = every queue), oldest first */
    public function all(?string $queue = null): array
    {
        return Library::json('natskit_queue_failed_list', $this->queue->handle(), $queue);
    }

    /** @return array<string, mixed> one failed job (NotFoundException when there is none) */
    public function find(string $id): array
    {
        return Library::json('natskit_queue_failed_get', $this->queue->handle(), $id);
    }

    /**
     * Puts failed jobs back on their queues with attempts reset: one id, a list, or 'all'.
     *
     * @return list<string> the ids retried
     */
    public function retry(string|array $ids): array
    {
        $list = $ids === 'all' ? null : Payload::json(array_values((array) $ids));
        return Library::json('natskit_queue_failed_retry', $this->queue->handle(), $list);
    }

    /** Deletes one failed job; false when there was none. */
    public function forget(string $id): bool
    {
        return Library::call('bool', 'natskit_queue_failed_forget', $this->queue->handle(), $id)->cdata;
    }

    /** Deletes every failed job, or those older than `$hours`; returns how many. */
    public function flush(?float $hours = null): int
    {
        $olderThan = $hours === null ? -1 : Library::millis($hours * 3600);
        return Library::call('uint64_t', 'natskit_queue_failed_flush', $this->queue->handle(), $olderThan)->cdata;
    }
}
