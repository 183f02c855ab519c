<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use RuntimeException;
use Throwable;

/** Fails (one try) until the file `$switch` exists, then succeeds: for queue:retry. */
class SwitchJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 1;

    public function __construct(public string $key, public string $switch)
    {
    }

    public function handle(): void
    {
        RunLog::record('run', $this->key, ['attempts' => $this->attempts(), 'id' => $this->job?->getJobId()]);
        if (!file_exists($this->switch)) {
            throw new RuntimeException("switch {$this->key} is off");
        }
        RunLog::record('done', $this->key, ['attempts' => $this->attempts()]);
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage()]);
    }
}
