<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Facades;

use Illuminate\Support\Facades\Facade;

/**
 * The `Nats` facade over {@see \NatsKit\Laravel\NatsManager}: `Nats::publish(...)` uses the
 * default connection of config/nats.php, `Nats::connection('secondary')` another one.
 *
 * @method static \NatsKit\Client connection(?string $name = null)
 * @method static \NatsKit\JetStream jetstream(?string $connection = null)
 * @method static void publish(string $subject, mixed $payload = '', array $headers = [], ?string $replyTo = null)
 * @method static \NatsKit\Subscription subscribe(string $subject, ?callable $callback = null, ?string $queueGroup = null)
 * @method static int process(float $timeout = 0.0)
 * @method static \NatsKit\Message request(string $subject, mixed $payload = '', float $timeout = 5.0, array $headers = [])
 * @method static void flush()
 * @method static \NatsKit\Queue queue(string $name = 'default')
 */
final class Nats extends Facade
{
    protected static function getFacadeAccessor(): string
    {
        return 'nats';
    }
}
