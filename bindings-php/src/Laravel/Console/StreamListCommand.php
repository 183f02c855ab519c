<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\StreamInfo;

/** nats:stream:list: one page of streams with their message counts. */
final class StreamListCommand extends NatsCommand
{
    public const HEADERS = ['Name', 'Subjects', 'Storage', 'Retention', 'Messages', 'Bytes', 'First Seq', 'Last Seq', 'Consumers'];

    protected $signature = 'nats:stream:list
        ' . self::CONNECTION . '
        {--offset=0 : Skip this many streams (the server returns them a page at a time)}';

    protected $description = 'List JetStream streams with their subjects, message counts, sequences and consumers';

    protected function perform(): int
    {
        $offset = $this->countOption('offset');
        $page = $this->jetstream()->listStreams($offset);
        $rows = array_map(static fn (StreamInfo $stream) => [
            $stream->getName(),
            implode(', ', $stream->getConfig()->getSubjects()),
            (string) $stream->getConfig()->get('storage'),
            (string) $stream->getConfig()->get('retention'),
            (string) $stream->getMessageCount(),
            (string) $stream->getByteCount(),
            (string) $stream->getFirstSequence(),
            (string) $stream->getLastSequence(),
            (string) $stream->getConsumerCount(),
        ], $page['streams']);
        $this->showPage('streams', self::HEADERS, $rows, $offset, $page['total']);
        return self::SUCCESS;
    }
}
