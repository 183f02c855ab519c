<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use Illuminate\Support\Str;

/**
 * nats:queue:migrate: moves the waiting and delayed jobs of queues from the shared stream to
 * the layout the connection configures for them (`queue.streams = per-queue`, partitions).
 */
final class QueueMigrateCommand extends NatsCommand
{
    protected $signature = 'nats:queue:migrate
        {queues* : The queue names}
        ' . self::CONNECTION;

    protected $description = 'Move queued jobs from the shared stream to per-queue streams or partitions';

    protected function perform(): int
    {
        foreach ($this->argument('queues') as $name) {
            $moved = $this->client()->queue($name)->migrate();
            $this->info(sprintf(
                'Moved %d waiting and %d delayed %s of queue %s to %s (%d reserved left to their workers).',
                $moved['ready'],
                $moved['delayed'],
                Str::plural('job', $moved['ready'] + $moved['delayed']),
                $name,
                $moved['stream'],
                $moved['reserved'],
            ));
        }
        return self::SUCCESS;
    }
}
