<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\StreamConfig;

/** nats:stream:create: creates a stream (again with the same configuration: succeeds, changes nothing). */
final class StreamCreateCommand extends NatsCommand
{
    public const STORAGES = [StreamConfig::STORAGE_FILE, StreamConfig::STORAGE_MEMORY];
    public const RETENTIONS = [StreamConfig::RETENTION_LIMITS, StreamConfig::RETENTION_INTEREST, StreamConfig::RETENTION_WORKQUEUE];

    protected $signature = 'nats:stream:create
        {name : The stream name}
        {subjects* : The subjects it stores (wildcards allowed, e.g. orders.>)}
        ' . self::CONNECTION . '
        {--description= : A description}
        {--storage=file : file or memory}
        {--retention=limits : limits, interest or workqueue}';

    protected $description = 'Create a JetStream stream on the given subjects';

    protected function perform(): int
    {
        $config = (new StreamConfig($this->argument('name'), $this->argument('subjects')))
            ->withStorage($this->choiceOption('storage', self::STORAGES))
            ->withRetention($this->choiceOption('retention', self::RETENTIONS));
        $description = $this->optionValue('description');
        if ($description !== null) {
            $config = $config->withDescription($description);
        }
        $info = $this->jetstream()->createStream($config);
        $this->info("Stream {$info->getName()} created.");
        $this->table(StreamInfoCommand::HEADERS, StreamInfoCommand::rows($info));
        return self::SUCCESS;
    }
}
