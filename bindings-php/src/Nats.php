<?php

declare(strict_types=1);

namespace NatsKit;

/**
 * A static facade shaped like the seed's `Nats::publish(...)`: calls go to the default
 * connection of a process-wide Manager (from the environment unless setManager() was called).
 *
 * @method static void publish(string $subject, mixed $payload = '', array $headers = [], ?string $replyTo = null)
 * @method static Subscription subscribe(string $subject, ?callable $callback = null, ?string $queueGroup = null)
 * @method static Message request(string $subject, mixed $payload = '', float $timeout = 5.0, array $headers = [])
 * @method static int process(float $timeout = 0.0)
 */
final class Nats
{
    private static ?Manager $manager = null;

    /** Uses `$manager` for every later call. */
    public static function setManager(Manager $manager): void
    {
        self::$manager = $manager;
    }

    /** The process-wide manager. */
    public static function manager(): Manager
    {
        return self::$manager ??= Manager::fromEnv();
    }

    /** A named connection of the process-wide manager. */
    public static function connection(?string $name = null): Client
    {
        return self::manager()->connection($name);
    }

    /** A direct connection that is not managed (a URL or connection options). */
    public static function connect(string|array $options = []): Client
    {
        return Client::connect($options);
    }

    public static function __callStatic(string $method, array $arguments): mixed
    {
        return self::connection()->$method(...$arguments);
    }
}
