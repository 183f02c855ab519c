<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\StreamInfo;

/** nats:stream:info: one stream's configuration and state. */
final class StreamInfoCommand extends NatsCommand
{
    public const HEADERS = ['Field', 'Value'];

    protected $signature = 'nats:stream:info
        {stream : The stream name}
        ' . self::CONNECTION;

    protected $description = 'Show a JetStream stream: its configuration, message counts and sequences';

    protected function perform(): int
    {
        $this->table(self::HEADERS, self::rows($this->jetstream()->getStreamInfo($this->argument('stream'))));
        return self::SUCCESS;
    }

    /** The table rows describing a stream (also shown by create and update). */
    public static function rows(StreamInfo $info): array
    {
        $config = $info->getConfig();
        $maxAge = (float) $config->get('max_age');
        return [
            ['Name', $info->getName()],
            ['Description', (string) $config->get('description')],
            ['Subjects', implode(', ', $config->getSubjects())],
            ['Storage', (string) $config->get('storage')],
            ['Retention', (string) $config->get('retention')],
            ['Replicas', (string) $config->get('num_replicas')],
            ['Max messages', self::limit($config->get('max_msgs'))],
            ['Max bytes', self::limit($config->get('max_bytes'))],
            ['Max age', $maxAge == 0 ? 'unlimited' : self::duration($maxAge)],
            ['Max message size', self::limit($config->get('max_msg_size'))],
            ['Discard', (string) $config->get('discard')],
            ['Duplicate window', self::duration((float) $config->get('duplicate_window'))],
            ['Messages', (string) $info->getMessageCount()],
            ['Bytes', (string) $info->getByteCount()],
            ['First sequence', (string) $info->getFirstSequence()],
            ['Last sequence', (string) $info->getLastSequence()],
            ['Consumers', (string) $info->getConsumerCount()],
            ['Created', (string) ($info->toArray()['created'] ?? '')],
        ];
    }
}
