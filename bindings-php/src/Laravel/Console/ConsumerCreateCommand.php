<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\ConsumerConfig;

/** nats:consumer:create: creates a durable pull consumer on a stream. */
final class ConsumerCreateCommand extends NatsCommand
{
    private const DELIVER_POLICIES = [ConsumerConfig::DELIVER_ALL, ConsumerConfig::DELIVER_LAST, ConsumerConfig::DELIVER_NEW];
    private const ACK_POLICIES = [ConsumerConfig::ACK_NONE, ConsumerConfig::ACK_ALL, ConsumerConfig::ACK_EXPLICIT];

    protected $signature = 'nats:consumer:create
        {stream : The stream name}
        {name : The consumer (durable) name}
        ' . self::CONNECTION . '
        {--filter-subject= : Only deliver messages on this subject (wildcards allowed)}
        {--deliver-policy=all : Where delivery starts: all, last or new}
        {--ack-policy=explicit : How messages are acknowledged: none, all or explicit}';

    protected $description = 'Create a durable pull consumer on a JetStream stream';

    protected function perform(): int
    {
        $stream = $this->argument('stream');
        $name = $this->argument('name');
        $config = (new ConsumerConfig($name))
            ->withDeliverPolicy($this->choiceOption('deliver-policy', self::DELIVER_POLICIES))
            ->withAckPolicy($this->choiceOption('ack-policy', self::ACK_POLICIES));
        $filter = $this->optionValue('filter-subject');
        if ($filter !== null) {
            $config = $config->withFilterSubject($filter);
        }
        $info = $this->jetstream()->createConsumer($stream, $name, $config);
        $this->info("Consumer {$info->getName()} created on stream {$stream}.");
        $this->table(ConsumerInfoCommand::HEADERS, ConsumerInfoCommand::rows($info));
        return self::SUCCESS;
    }
}
