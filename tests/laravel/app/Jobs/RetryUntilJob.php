<?php

namespace App\Jobs;

use App\Support\RunLog;
use DateTimeImmutable;
use DateTimeInterface;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use RuntimeException;
use Throwable;

/** Always throws; retried every second (no $tries) until `$seconds` after it was dispatched. */
class RetryUntilJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $backoff = 1;

    public int $deadline;

    public function __construct(public string $key, int $seconds)
    {
        $this->deadline = time() + $seconds;
    }

    public function retryUntil(): DateTimeInterface
    {
        return new DateTimeImmutable('@' . $this->deadline);
    }

    public function handle(): void
    {
        RunLog::record('run', $this->key, ['attempts' => $this->attempts(), 'deadline' => $this->deadline]);
        throw new RuntimeException("retry until attempt {$this->attempts()}");
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage(), 'class' => get_class($e), 'deadline' => $this->deadline]);
    }
}
