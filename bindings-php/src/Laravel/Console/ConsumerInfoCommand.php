<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\ConsumerInfo;

/** nats:consumer:info: one consumer's configuration and counters. */
final class ConsumerInfoCommand extends NatsCommand
{
    public const HEADERS = ['Field', 'Value'];

    protected $signature = 'nats:consumer:info
        {stream : The stream name}
        {consumer : The consumer name}
        ' . self::CONNECTION;

    protected $description = 'Show a JetStream consumer: its configuration and pending, ack pending, redelivered and waiting counts';

    protected function perform(): int
    {
        $info = $this->jetstream()->getConsumerInfo($this->argument('stream'), $this->argument('consumer'));
        $this->table(self::HEADERS, self::rows($info));
        return self::SUCCESS;
    }

    /** The table rows describing a consumer (also shown by create). */
    public static function rows(ConsumerInfo $info): array
    {
        $config = $info->getConfig();
        $raw = $info->toArray();
        return [
            ['Stream', $info->getStreamName()],
            ['Name', $info->getName()],
            ['Description', (string) $config->get('description')],
            ['Filter subject', self::filter($config->get('filter_subject'), $config->get('filter_subjects'))],
            ['Deliver policy', (string) $config->get('deliver_policy')],
            ['Ack policy', (string) $config->get('ack_policy')],
            ['Ack wait', self::duration((float) $config->get('ack_wait'))],
            ['Max deliver', self::limit($config->get('max_deliver'))],
            ['Max ack pending', self::limit($config->get('max_ack_pending'))],
            ['Replay policy', (string) $config->get('replay_policy')],
            ['Pending', (string) $info->getNumPending()],
            ['Ack pending', (string) $info->getNumAckPending()],
            ['Redelivered', (string) $info->getNumRedelivered()],
            ['Waiting', (string) $info->getNumWaiting()],
            ['Last delivered sequence', (string) ($raw['delivered']['stream_seq'] ?? 0)],
            ['Ack floor sequence', (string) ($raw['ack_floor']['stream_seq'] ?? 0)],
            ['Paused', $info->isPaused() ? 'yes' : 'no'],
            ['Created', (string) ($raw['created'] ?? '')],
        ];
    }

    /** The consumer's subject filter for display. */
    public static function filter(?string $subject, ?array $subjects): string
    {
        $filters = array_filter([$subject, ...($subjects ?? [])], static fn (?string $s) => $s !== null && $s !== '');
        return $filters === [] ? '(whole stream)' : implode(', ', $filters);
    }
}
