<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\QueueException;

/**
 * Runs PHP handlers for jobs, keyed by job name, on the PHP thread (`php artisan queue:work`
 * done by natskit's worker runtime). Options use the seed's names: `queues` (`'high,default'`
 * or a list, in priority order), `tries`, `timeout`, `sleep`, `once`, `stop_when_empty`,
 * `max_jobs`, `max_time`, `memory` (MB, measured with memory_get_usage), `rest`.
 *
 * A handler that returns normally completes its job unless it already called delete(),
 * release() or fail(); one that throws reports the exception (retried after the job's backoff,
 * or failed when no tries remain). A run longer than the timeout counts as a failed attempt
 * when it finishes (PHP cannot interrupt a running handler). With pcntl, SIGTERM and SIGINT stop
 * the worker gracefully: the running job finishes, no new one is taken, nothing stays reserved.
 */
final class Worker
{
    private ?CData $handle;
    /** @var array<string, callable(Job): mixed> */
    private array $handlers = [];
    /** @var array<string, callable(Job, \Throwable): mixed> */
    private array $failedHooks = [];
    /** @var array<string, list<callable>> */
    private array $listeners = [];
    private float $poll;

    public function __construct(private readonly Client $client, array $options = [])
    {
        $options = self::normalise($options);
        $this->poll = min(1.0, (float) ($options['sleep'] ?? 3.0));
        $json = $options === [] ? null : Payload::json((object) $options);
        $this->handle = Library::call('natskit_worker*', 'natskit_worker_new', $client->handle(), $json);
    }

    public function __destruct()
    {
        Library::free('natskit_worker_free', $this->handle);
    }

    /**
     * Runs `$handler($job)` for jobs named `$name` (`'*'` for every name without its own handler);
     * `$failed($job, $error)` runs when such a job fails for good.
     */
    public function handle(string $name, callable $handler, ?callable $failed = null): self
    {
        $this->handlers[$name] = $handler;
        if ($failed !== null) {
            $this->failedHooks[$name] = $failed;
        }
        return $this;
    }

    /** Runs `$hook($job, $error)` when a job named `$name` fails for good. */
    public function failed(string $name, callable $hook): self
    {
        $this->failedHooks[$name] = $hook;
        return $this;
    }

    /**
     * Listens to a hook (core's names, the same in every host): `processing($job)`,
     * `processed($job, $event)` (completed or deleted), `released($job, $event)` (released, or
     * put back for a retry: `$event['event']` is `retrying`), `exception($job, $error)`,
     * `failed($job, $error)`. An unknown name is an InvalidArgumentException.
     */
    public function on(string $hook, callable $listener): self
    {
        Library::check(Library::ffi()->natskit_worker_hook_check($hook));
        $this->listeners[$hook][] = $listener;
        return $this;
    }

    /** Works jobs until a stop condition; returns why it stopped (`requested`, `once`, `empty`, `max_jobs`, …). */
    public function run(): string
    {
        $restore = $this->trapSignals();
        try {
            while (true) {
                $reason = $this->step();
                if ($reason !== null) {
                    return $reason;
                }
            }
        } finally {
            $restore();
        }
    }

    /** Asks the worker to stop after the running job (safe inside signal handlers and hooks). */
    public function stop(): void
    {
        if ($this->handle !== null) {
            Library::check(Library::ffi()->natskit_worker_stop($this->handle));
        }
    }

    /** @return array{jobs: int, processed: int, retried: int, failed: int} */
    public function stats(): array
    {
        return Library::json('natskit_worker_stats_json', $this->handle);
    }

    /** Takes and runs at most one job; returns the stop reason, or null to go on. */
    private function step(): ?string
    {
        $ffi = Library::ffi();
        Library::check($ffi->natskit_worker_report_memory($this->handle, intdiv(memory_get_usage(true), 1048576)));
        $step = Library::out('natskit_worker_step');
        $handle = Library::out('natskit_job*');
        $reason = Library::out('const char*');
        Library::check($ffi->natskit_worker_next(
            $this->handle,
            Library::millis($this->poll),
            \FFI::addr($step),
            \FFI::addr($handle),
            \FFI::addr($reason),
        ));
        return match ($step->cdata) {
            $ffi->NATSKIT_WORKER_STEP_JOB => $this->work(new Job($handle)),
            $ffi->NATSKIT_WORKER_STEP_STOP => (string) Library::lentString($reason),
            default => null,
        };
    }

    private function work(Job $job): null
    {
        $this->emit('processing', $job);
        $handler = $this->handlers[$job->getName()] ?? $this->handlers['*'] ?? null;
        $error = null;
        if ($handler === null) {
            $job->fail("no handler for job {$job->getName()} on this worker");
        } else {
            try {
                $handler($job);
            } catch (\Throwable $e) {
                $error = $e;
                $this->emit('exception', $job, $e);
            }
            if (!$job->isFinished()) {
                $error === null ? $job->complete() : $job->error($error);
            }
        }
        $event = $job->event();
        if ($event['hook'] === 'failed') {
            $this->jobFailed($job, $error ?? new QueueException($event['reason'], 14));
        } else {
            $this->emit($event['hook'], $job, $event);
        }
        return null;
    }

    private function jobFailed(Job $job, \Throwable $error): void
    {
        $hook = $this->failedHooks[$job->getName()] ?? $this->failedHooks['*'] ?? null;
        if ($hook !== null) {
            $hook($job, $error);
        }
        $this->emit('failed', $job, $error);
    }

    private function emit(string $event, mixed ...$arguments): void
    {
        foreach ($this->listeners[$event] ?? [] as $listener) {
            $listener(...$arguments);
        }
    }

    /** Stops gracefully on SIGTERM/SIGINT while running (when pcntl is loaded); returns the undo. */
    private function trapSignals(): \Closure
    {
        if (!function_exists('pcntl_async_signals')) {
            return static fn () => null;
        }
        $async = pcntl_async_signals(true);
        $previous = [];
        foreach ([SIGTERM, SIGINT] as $signal) {
            $previous[$signal] = pcntl_signal_get_handler($signal);
            pcntl_signal($signal, fn () => $this->stop());
        }
        return static function () use ($async, $previous): void {
            foreach ($previous as $signal => $handler) {
                pcntl_signal($signal, $handler);
            }
            pcntl_async_signals($async);
        };
    }

    /** Seed-style options (`queues` as 'a,b', dashed names) as the library's. */
    private static function normalise(array $options): array
    {
        $out = [];
        foreach ($options as $key => $value) {
            $key = str_replace('-', '_', (string) $key);
            if ($key === 'queues') {
                $value = is_string($value) ? array_map('trim', explode(',', $value)) : array_values($value);
            }
            $out[$key] = $value;
        }
        if (($out['concurrency'] ?? 1) !== 1) {
            throw new InvalidArgumentException('a PHP worker runs one job at a time: start more processes for concurrency', 1);
        }
        return $out;
    }
}
