<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * Named connections from a configuration (the seed's `config/nats.php` shape:
 * `['default' => 'main', 'connections' => ['main' => ['host' => …, 'port' => …]]]`,
 * or one connection's keys), each opened on first use.
 */
final class Manager
{
    private ?CData $handle;
    /** @var array<string, Client> */
    private array $clients = [];

    /** A manager over `$config`; an empty array reads the environment (NATS_URL, NATSKIT_CONFIG, …). */
    public function __construct(array $config = [])
    {
        $json = $config === [] ? null : json_encode($config, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
        $this->handle = Library::call('natskit_manager*', 'natskit_manager_new', $json);
    }

    public function __destruct()
    {
        $this->clients = [];
        Library::free('natskit_manager_free', $this->handle);
    }

    /** A manager configured from the environment. */
    public static function fromEnv(): self
    {
        return new self();
    }

    /** The named connection (null = the default), connecting on first use. */
    public function connection(?string $name = null): Client
    {
        $key = $name ?? "\0default";
        if (!isset($this->clients[$key])) {
            $client = Library::call('natskit_client*', 'natskit_manager_connection', $this->handle, $name);
            $this->clients[$key] = new Client($client);
        }
        return $this->clients[$key];
    }

    /** Flushes and closes one connection; the next connection($name) opens a new one. */
    public function close(string $name): void
    {
        Library::check(Library::ffi()->natskit_manager_close($this->handle, $name));
        unset($this->clients[$name]);
    }

    /** Flushes and closes every open connection. */
    public function closeAll(): void
    {
        Library::check(Library::ffi()->natskit_manager_close_all($this->handle));
        $this->clients = [];
    }

    /** Forwards publish(), subscribe(), request(), process() … to the default connection. */
    public function __call(string $method, array $arguments): mixed
    {
        return $this->connection()->$method(...$arguments);
    }
}
