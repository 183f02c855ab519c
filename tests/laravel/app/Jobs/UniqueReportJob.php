<?php

namespace App\Jobs;

use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldBeUnique;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;

/** A unique job (Laravel's cache lock): a second dispatch is dropped while one is queued. */
class UniqueReportJob implements ShouldQueue, ShouldBeUnique
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public function __construct(public string $month)
    {
    }

    public function uniqueId(): string
    {
        return $this->month;
    }

    public function handle(): void
    {
    }
}
