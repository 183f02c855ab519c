<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use RuntimeException;
use Throwable;

/** Always throws: three tries, 2 s before each retry. */
class BackoffIntJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 3;

    public $backoff = 2;

    public function __construct(public string $key)
    {
    }

    public function handle(): void
    {
        RunLog::record('run', $this->key, ['attempts' => $this->attempts()]);
        throw new RuntimeException("backoff int attempt {$this->attempts()}");
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage(), 'class' => get_class($e)]);
    }
}
