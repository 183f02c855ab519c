<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use RuntimeException;
use Throwable;

/**
 * Ten tries but two exceptions at most: releases itself on attempts 1 and 2 (no exception),
 * throws from attempt 3 on, so it fails after attempt 4 (its second exception).
 */
class MaxExceptionsJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 10;

    public $maxExceptions = 2;

    public function __construct(public string $key)
    {
    }

    public function handle(): void
    {
        RunLog::record('run', $this->key, ['attempts' => $this->attempts()]);
        if ($this->attempts() <= 2) {
            $this->release(0);
            return;
        }
        throw new RuntimeException("max exceptions attempt {$this->attempts()}");
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage(), 'class' => get_class($e)]);
    }
}
