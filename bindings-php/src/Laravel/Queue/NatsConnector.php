<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Queue;

use Illuminate\Queue\Connectors\ConnectorInterface;
use NatsKit\Client;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Laravel\NatsManager;

/**
 * Builds the `nats` queue of a `config/queue.php` connection. Its NATS connection is the one
 * named by `connection` in config/nats.php, else the seed's keys (`host`, `port`, `user`,
 * `password`, `token`, or any natskit connection key) given right here.
 */
final class NatsConnector implements ConnectorInterface
{
    /** Keys of the queue connection that are the driver's own, not the NATS connection's. */
    private const DRIVER_KEYS = [
        'driver', 'connection', 'queue', 'retry_after', 'dead_letter_queue', 'block_for',
        'prefetch', 'after_commit', 'delayed',
    ];

    public function __construct(private readonly NatsManager $nats)
    {
    }

    public function connect(array $config): NatsQueue
    {
        $options = isset($config['connection'])
            ? $this->nats->connectionConfig((string) $config['connection'])
            : array_diff_key($config, array_flip(self::DRIVER_KEYS));
        if (isset($config['retry_after'])) {
            $options['queue'] = ['retry_after' => self::seconds($config['retry_after'], 'retry_after')]
                + (array) ($options['queue'] ?? []);
        }
        $blockFor = isset($config['block_for']) ? self::seconds($config['block_for'], 'block_for') : 0.0;
        return new NatsQueue(
            Client::connect($options),
            (string) ($config['queue'] ?? 'default'),
            $blockFor,
            self::prefetch($config['prefetch'] ?? NatsQueue::DEFAULT_PREFETCH),
            self::deadLetterSubject($config['dead_letter_queue'] ?? null),
            (bool) ($config['after_commit'] ?? false),
        );
    }

    /**
     * The subject failed jobs are published to: a bare name is `laravel.queue.<name>` (the
     * seed's `failed` → `laravel.queue.failed`), a name with dots is the subject itself.
     */
    public static function deadLetterSubject(mixed $name): ?string
    {
        if ($name === null || $name === '' || $name === false) {
            return null;
        }
        $name = (string) $name;
        return str_contains($name, '.') ? $name : "laravel.queue.{$name}";
    }

    private static function seconds(mixed $value, string $key): float
    {
        if (!is_numeric($value) || !is_finite((float) $value) || (float) $value < 0) {
            throw new InvalidArgumentException("queue connection {$key}: expected seconds >= 0, got " . var_export($value, true), 1);
        }
        return (float) $value;
    }

    private static function prefetch(mixed $value): int
    {
        if (filter_var($value, FILTER_VALIDATE_INT) === false || (int) $value < 0 || (int) $value > 256) {
            throw new InvalidArgumentException('queue connection prefetch: expected 0 (adaptive) to 256, got ' . var_export($value, true), 1);
        }
        return (int) $value;
    }
}
