<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\ConsumerInfo;

/** nats:consumer:list: one page of a stream's consumers with their counters. */
final class ConsumerListCommand extends NatsCommand
{
    public const HEADERS = ['Name', 'Filter Subject', 'Deliver Policy', 'Ack Policy', 'Pending', 'Ack Pending', 'Redelivered', 'Waiting'];

    protected $signature = 'nats:consumer:list
        {stream : The stream name}
        ' . self::CONNECTION . '
        {--offset=0 : Skip this many consumers (the server returns them a page at a time)}';

    protected $description = 'List the consumers of a JetStream stream with their pending, ack pending, redelivered and waiting counts';

    protected function perform(): int
    {
        $offset = $this->countOption('offset');
        $page = $this->jetstream()->listConsumers($this->argument('stream'), $offset);
        $rows = array_map(static fn (ConsumerInfo $consumer) => [
            $consumer->getName(),
            ConsumerInfoCommand::filter($consumer->getConfig()->get('filter_subject'), $consumer->getConfig()->get('filter_subjects')),
            (string) $consumer->getConfig()->get('deliver_policy'),
            (string) $consumer->getConfig()->get('ack_policy'),
            (string) $consumer->getNumPending(),
            (string) $consumer->getNumAckPending(),
            (string) $consumer->getNumRedelivered(),
            (string) $consumer->getNumWaiting(),
        ], $page['consumers']);
        $this->showPage('consumers', self::HEADERS, $rows, $offset, $page['total']);
        return self::SUCCESS;
    }
}
