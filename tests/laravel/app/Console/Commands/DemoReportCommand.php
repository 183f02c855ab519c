<?php

namespace App\Console\Commands;

use App\Support\RunLog;
use Illuminate\Console\Command;
use Illuminate\Support\Facades\Queue;

/** `make demo`: what the worker did, from the jobs' run log and the queue. */
class DemoReportCommand extends Command
{
    protected $signature = 'demo:report';

    protected $description = 'Show what the demo jobs did';

    public function handle(): int
    {
        foreach (RunLog::all() as $event) {
            $attempt = isset($event['attempts']) ? "attempt {$event['attempts']}" : '';
            $this->line(sprintf('  %-6s %-10s %-10s %s', $event['event'], $event['key'], $attempt, $event['note'] ?? $event['message'] ?? ''));
        }
        $this->info(sprintf('nats/default now holds %d jobs; failed jobs: %d', Queue::connection('nats')->size(), count(app('queue.failer')->all())));
        return self::SUCCESS;
    }
}
