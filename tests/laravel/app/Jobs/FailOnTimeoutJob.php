<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Throwable;

/** Hangs past its 2 s timeout; `$failOnTimeout` fails it at once despite five tries. */
class FailOnTimeoutJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $timeout = 2;

    public $tries = 5;

    public $failOnTimeout = true;

    public function __construct(public string $key)
    {
    }

    public function handle(): void
    {
        RunLog::record('start', $this->key, ['attempts' => $this->attempts()]);
        sleep(30);
        RunLog::record('done', $this->key, ['attempts' => $this->attempts()]);
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage(), 'class' => get_class($e)]);
    }
}
