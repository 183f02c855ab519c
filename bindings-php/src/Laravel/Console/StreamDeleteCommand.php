<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use Illuminate\Support\Str;

/** nats:stream:delete: deletes a stream with its messages and consumers, after confirmation unless --force. */
final class StreamDeleteCommand extends NatsCommand
{
    protected $signature = 'nats:stream:delete
        {stream : The stream name}
        ' . self::CONNECTION . '
        {--force : Delete without asking}';

    protected $description = 'Delete a JetStream stream with all its messages and consumers';

    protected function perform(): int
    {
        $stream = $this->argument('stream');
        $jetstream = $this->jetstream();
        $info = $jetstream->getStreamInfo($stream);
        $question = sprintf(
            'Delete stream %s with its %d %s and %d %s?',
            $stream,
            $info->getMessageCount(),
            Str::plural('message', $info->getMessageCount()),
            $info->getConsumerCount(),
            Str::plural('consumer', $info->getConsumerCount()),
        );
        if (!$this->confirmed($question)) {
            return $this->cancelled("stream {$stream} was not deleted");
        }
        $jetstream->deleteStream($stream);
        $this->info("Stream {$stream} deleted.");
        return self::SUCCESS;
    }
}
