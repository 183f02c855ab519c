<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use Illuminate\Support\Str;

/** nats:consumer:delete: deletes a consumer (the stream's messages stay), after confirmation unless --force. */
final class ConsumerDeleteCommand extends NatsCommand
{
    protected $signature = 'nats:consumer:delete
        {stream : The stream name}
        {consumer : The consumer name}
        ' . self::CONNECTION . '
        {--force : Delete without asking}';

    protected $description = 'Delete a consumer from a JetStream stream (the messages stay in the stream)';

    protected function perform(): int
    {
        $stream = $this->argument('stream');
        $consumer = $this->argument('consumer');
        $jetstream = $this->jetstream();
        $pending = $jetstream->getConsumerInfo($stream, $consumer)->getNumPending();
        $question = sprintf(
            'Delete consumer %s of stream %s (%d %s pending)?',
            $consumer,
            $stream,
            $pending,
            Str::plural('message', $pending),
        );
        if (!$this->confirmed($question)) {
            return $this->cancelled("consumer {$consumer} was not deleted");
        }
        $jetstream->deleteConsumer($stream, $consumer);
        $this->info("Consumer {$consumer} deleted from stream {$stream}.");
        return self::SUCCESS;
    }
}
