<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Batchable;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;

/** A job of a `Bus::batch()` (queued through the driver's bulk()). */
class BatchJob implements ShouldQueue
{
    use Batchable, Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 2;

    public function __construct(public string $key)
    {
    }

    public function handle(): void
    {
        RunLog::record('done', $this->key, ['attempts' => $this->attempts(), 'batch' => $this->batchId]);
    }
}
