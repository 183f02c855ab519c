<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;

/** Records `start`, works `$seconds`, records `done`: a job the test can watch run. */
class RecordJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 5;

    public function __construct(public string $key, public float $seconds = 0.0)
    {
    }

    public function handle(): void
    {
        RunLog::record('start', $this->key, ['attempts' => $this->attempts(), 'id' => $this->job?->getJobId(), 'queue' => $this->job?->getQueue()]);
        if ($this->seconds > 0) {
            usleep((int) ($this->seconds * 1e6));
        }
        RunLog::record('done', $this->key, ['attempts' => $this->attempts(), 'queue' => $this->job?->getQueue()]);
    }
}
