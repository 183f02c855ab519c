<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use Illuminate\Support\Str;

/** nats:stream:purge: removes every message of a stream, after confirmation unless --force. */
final class StreamPurgeCommand extends NatsCommand
{
    protected $signature = 'nats:stream:purge
        {stream : The stream name}
        ' . self::CONNECTION . '
        {--force : Purge without asking}';

    protected $description = 'Remove every message from a JetStream stream (the stream and its consumers stay)';

    protected function perform(): int
    {
        $stream = $this->argument('stream');
        $jetstream = $this->jetstream();
        $count = $jetstream->getStreamInfo($stream)->getMessageCount();
        if (!$this->confirmed(sprintf('Purge all %d %s from stream %s?', $count, Str::plural('message', $count), $stream))) {
            return $this->cancelled("stream {$stream} was not purged");
        }
        $purged = $jetstream->purgeStream($stream);
        $this->info(sprintf('Purged %d %s from stream %s.', $purged, Str::plural('message', $purged), $stream));
        return self::SUCCESS;
    }
}
