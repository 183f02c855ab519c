<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use RuntimeException;
use Throwable;

/** Fails itself with `$this->fail()` on its first attempt, though it has five tries. */
class ExplicitFailJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 5;

    public function __construct(public string $key)
    {
    }

    public function handle(): void
    {
        RunLog::record('run', $this->key, ['attempts' => $this->attempts()]);
        $this->fail(new RuntimeException("explicitly failed by {$this->key}"));
    }

    public function failed(Throwable $e): void
    {
        RunLog::record('failed', $this->key, ['message' => $e->getMessage(), 'class' => get_class($e)]);
    }
}
