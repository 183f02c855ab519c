<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Throwable;

/**
 * A 2 s timeout: on the attempts listed in `$hangOn` it hangs for 30 s, so the worker kills
 * itself (SIGKILL) and the job comes back after retry_after.
 */
class TimeoutJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $timeout = 2;

    public $tries = 3;

    public function __construct(public string $key, public array $hangOn = [1], ?int $tries = null)
    {
        $this->tries = $tries ?? $this->tries;
    }

    public function handle(): void
    {
        RunLog::record('start', $this->key, ['attempts' => $this->attempts()]);
        if (in_array($this->attempts(), $this->hangOn, true)) {
            sleep(30);
        }
        RunLog::record('done', $this->key, ['attempts' => $this->attempts()]);
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage(), 'class' => get_class($e)]);
    }
}
