<?php

declare(strict_types=1);

namespace NatsKit\Laravel;

use NatsKit\Client;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\NatsException;
use NatsKit\JetStream;
use NatsKit\Manager;

/**
 * The named NATS connections of `config/nats.php` (container key `nats`, facade `Nats`).
 * Each connection opens on first use, once per process, and is flushed and closed when the
 * process ends or the application is flushed. Calls it does not know go to the default connection (`Nats::publish`).
 */
final class NatsManager
{
    private ?Manager $manager = null;
    /** @var array<string, JetStream> */
    private array $jetstreams = [];

    /** @param array $config the `nats` config: `default`, `connections`, `jetstream` */
    public function __construct(private readonly array $config)
    {
    }

    /** Flushes and closes the connections when the application lets the manager go. */
    public function __destruct()
    {
        $this->release();
    }

    /** The connection `$name` of config/nats.php (null = `default`). */
    public function connection(?string $name = null): Client
    {
        return $this->manager()->connection($name ?? $this->getDefaultConnection());
    }

    /** The JetStream API of connection `$connection` (null = the default). */
    public function jetstream(?string $connection = null): JetStream
    {
        $name = $connection ?? $this->getDefaultConnection();
        return $this->jetstreams[$name] ??= $this->connection($name)->jetstream();
    }

    /** The default connection's name. */
    public function getDefaultConnection(): string
    {
        return (string) ($this->config['default'] ?? 'default');
    }

    /** The names of the configured connections. */
    public function connectionNames(): array
    {
        return array_keys($this->connections());
    }

    /**
     * The settings of connection `$name` as natskit reads them (JetStream defaults merged);
     * a ConfigException names the connections there are when `$name` is not one of them.
     */
    public function connectionConfig(?string $name = null): array
    {
        $name ??= $this->getDefaultConnection();
        $connections = $this->connections();
        if (!isset($connections[$name])) {
            $known = implode(', ', array_keys($connections)) ?: 'none';
            throw new ConfigException("no NATS connection named \"{$name}\" in config/nats.php (configured: {$known})", 3);
        }
        return $connections[$name];
    }

    /** Flushes and closes every open connection (done at shutdown anyway). */
    public function disconnect(): void
    {
        $this->jetstreams = [];
        $this->manager?->closeAll();
    }

    /** disconnect() at the end of the process: a failure is logged, not thrown. */
    private function release(): void
    {
        try {
            $this->disconnect();
        } catch (NatsException $e) {
            error_log("natskit: closing the NATS connections failed: {$e->getMessage()}");
        }
    }

    /** Forwards publish(), subscribe(), request(), process() … to the default connection. */
    public function __call(string $method, array $arguments): mixed
    {
        return $this->connection()->$method(...$arguments);
    }

    /** Checks the configuration now (an unknown key fails with a CONFIG error naming it). */
    public function validate(): void
    {
        $this->manager();
    }

    private function manager(): Manager
    {
        if ($this->manager === null) {
            $this->manager = new Manager([
                'default' => $this->getDefaultConnection(),
                'connections' => (object) $this->connections(),
            ]);
            $self = \WeakReference::create($this);
            register_shutdown_function(static fn () => $self->get()?->release());
        }
        return $this->manager;
    }

    /** @return array<string, array> every connection, with the top-level JetStream defaults */
    private function connections(): array
    {
        $defaults = array_filter($this->config['jetstream'] ?? [], static fn ($v) => $v !== null);
        $connections = [];
        foreach ($this->config['connections'] ?? [] as $name => $connection) {
            $connection = (array) $connection;
            if ($defaults !== []) {
                $connection['jetstream'] = ($connection['jetstream'] ?? []) + $defaults;
            }
            $connections[(string) $name] = $connection;
        }
        return $connections;
    }
}
