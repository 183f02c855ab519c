<?php

namespace App\Jobs;

use App\Support\RunLog;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;

/**
 * The cross-host job: another natskit host pushes `App\Jobs\ProcessOrder` with data
 * `{"order": 5}`, and queue:work builds `new ProcessOrder(order: 5)` and calls handle().
 */
class ProcessOrder implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public $tries = 2;

    public function __construct(public int $order, public string $note = 'none')
    {
    }

    public function handle(): void
    {
        RunLog::record('order', "order-{$this->order}", ['order' => $this->order, 'note' => $this->note, 'attempts' => $this->attempts(), 'queue' => $this->job?->getQueue(), 'connection' => $this->job?->getConnectionName()]);
    }
}
