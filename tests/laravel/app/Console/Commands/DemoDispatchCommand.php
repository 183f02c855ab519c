<?php

namespace App\Console\Commands;

use App\Jobs\ExplicitFailJob;
use App\Jobs\ProcessOrder;
use Illuminate\Console\Command;
use Illuminate\Support\Facades\Queue;
use NatsKit\Laravel\Facades\Nats;

/** `make demo`: dispatches a few jobs to the `nats` queue and says where they are. */
class DemoDispatchCommand extends Command
{
    protected $signature = 'demo:dispatch';

    protected $description = 'Dispatch the demo jobs to the nats queue';

    public function handle(): int
    {
        Nats::publish('demo.hello', ['from' => 'laravel']);
        foreach ([101, 102, 103] as $order) {
            dispatch(new ProcessOrder($order, 'dispatched by Laravel'))->onConnection('nats');
        }
        dispatch(new ExplicitFailJob('demo'))->onConnection('nats');
        Nats::queue('default')->push(ProcessOrder::class, ['order' => 104, 'note' => 'pushed as a natskit job with data']);

        $queue = Queue::connection('nats');
        $this->info(sprintf(
            'dispatched 4 Laravel jobs and pushed 1 natskit job on nats/default: size %d (ready %d, delayed %d)',
            $queue->size(), $queue->pendingSize(), $queue->delayedSize(),
        ));
        return self::SUCCESS;
    }
}
