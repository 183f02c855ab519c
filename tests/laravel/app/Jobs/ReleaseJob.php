<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;

/** Releases itself for 1 s on its first two attempts, finishes on the third. */
class ReleaseJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 5;

    public function __construct(public string $key)
    {
    }

    public function handle(): void
    {
        RunLog::record('run', $this->key, ['attempts' => $this->attempts()]);
        if ($this->attempts() < 3) {
            $this->release(1);
            return;
        }
        RunLog::record('done', $this->key, ['attempts' => $this->attempts()]);
    }
}
