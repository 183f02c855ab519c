<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

/** nats:jetstream:status: the JetStream account's usage against its limits. */
final class JetStreamStatusCommand extends NatsCommand
{
    public const HEADERS = ['Resource', 'Used', 'Limit'];

    protected $signature = 'nats:jetstream:status
        ' . self::CONNECTION . '
        {--json : Print the account info as JSON (the server\'s field names, sizes in bytes)}';

    protected $description = 'Show JetStream account usage and limits: memory, storage, streams, consumers, API calls';

    protected function perform(): int
    {
        $account = $this->jetstream()->getAccountInfo();
        unset($account['type']);
        if ($this->option('json')) {
            $json = ['connection' => $this->connectionName()] + $account;
            $this->line(json_encode($json, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR));
            return self::SUCCESS;
        }
        $limits = $account['limits'] ?? [];
        $domain = isset($account['domain']) ? " (domain {$account['domain']})" : '';
        $this->info("JetStream on connection [{$this->connectionName()}]{$domain}");
        $this->table(self::HEADERS, [
            ['Memory (bytes)', (string) $account['memory'], self::limit($limits['max_memory'] ?? null)],
            ['Storage (bytes)', (string) $account['storage'], self::limit($limits['max_storage'] ?? null)],
            ['Streams', (string) $account['streams'], self::limit($limits['max_streams'] ?? null)],
            ['Consumers', (string) $account['consumers'], self::limit($limits['max_consumers'] ?? null)],
        ]);
        $this->line(sprintf('API requests: %d, errors: %d', $account['api']['total'] ?? 0, $account['api']['errors'] ?? 0));
        return self::SUCCESS;
    }
}
