<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Queue;

use Illuminate\Queue\Failed\FailedJobProviderInterface;
use Illuminate\Queue\Failed\PrunableFailedJobProvider;
use NatsKit\FailedJobs;

/**
 * The `nats` failed-job provider (`'failed' => ['driver' => 'nats']` in config/queue.php):
 * failed jobs live in natskit's failed-jobs store, so `php artisan queue:failed|retry|forget|flush`
 * and `natskit queue failed|retry|forget|flush` (and every other host) see the same records.
 */
class NatsFailedJobProvider implements FailedJobProviderInterface, PrunableFailedJobProvider
{
    /** @param \Closure(): FailedJobs $store opens the store on first use */
    public function __construct(private readonly \Closure $store)
    {
    }

    /** The natskit record of a failed Laravel job. */
    public static function record(string $connection, string $queue, string $payload, ?\Throwable $e): array
    {
        try {
            $decoded = json_decode($payload, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException) {
            $decoded = $payload;
        }
        return [
            'id' => is_array($decoded) && isset($decoded['uuid']) ? (string) $decoded['uuid'] : bin2hex(random_bytes(16)),
            'connection' => $connection,
            'queue' => $queue,
            'payload' => $decoded,
            'exception' => $e === null ? 'ManuallyFailedException' : get_class($e),
            'message' => $e?->getMessage() ?? 'the job was failed without an exception',
            'trace' => $e?->getTraceAsString() ?? '',
        ];
    }

    /** Stores a failed job; returns its id (the job's uuid). */
    public function log($connection, $queue, $payload, $exception)
    {
        $record = self::record((string) $connection, (string) $queue, (string) $payload, $exception);
        $this->store()->report($record);
        return $record['id'];
    }

    /** Every failed job, newest first, as Laravel's commands read them. */
    public function all()
    {
        return array_map(self::row(...), array_reverse($this->store()->all()));
    }

    /** The ids of the failed jobs (of `$queue`), newest first. */
    public function ids($queue = null)
    {
        return array_map(static fn (array $job) => $job['id'], array_reverse($this->store()->all($queue)));
    }

    /** How many failed jobs there are (of `$connection` and `$queue`, when given). */
    public function count($connection = null, $queue = null): int
    {
        $jobs = array_filter(
            $this->store()->all($queue),
            static fn (array $job) => $connection === null || $job['connection'] === $connection,
        );
        return count($jobs);
    }

    public function find($id)
    {
        try {
            return self::row($this->store()->find((string) $id));
        } catch (\NatsKit\Exception\NotFoundException) {
            return null;
        }
    }

    public function forget($id)
    {
        return $this->store()->forget((string) $id);
    }

    /** Deletes every failed job, or those older than `$hours`. */
    public function flush($hours = null)
    {
        $this->store()->flush($hours === null ? null : (float) $hours);
    }

    /** Deletes the failed jobs older than `$before` (`queue:prune-failed`); returns how many. */
    public function prune(\DateTimeInterface $before)
    {
        return $this->store()->flush(max(0.0, microtime(true) - (float) $before->format('U.u')) / 3600);
    }

    /** A natskit record as the row Laravel's failed-job commands expect. */
    private static function row(array $job): object
    {
        $payload = $job['payload'];
        return (object) [
            'id' => $job['id'],
            'connection' => $job['connection'],
            'queue' => $job['queue'],
            'payload' => is_string($payload) ? $payload : json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES),
            'exception' => "{$job['exception']}: {$job['message']}\n{$job['trace']}",
            'failed_at' => date('Y-m-d H:i:s', (int) $job['failed_at']),
        ];
    }

    private function store(): FailedJobs
    {
        return ($this->store)();
    }
}
