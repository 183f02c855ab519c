<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * A nats-server child process on a free loopback port, for tests and demos
 * (binary from NATS_SERVER_BIN, .venv/bin or PATH). Stopped when released.
 */
final class LocalServer
{
    private ?CData $handle;

    /**
     * Starts a server: options `jetstream` (bool, default true), `port`, `user`/`password`,
     * `token`, `config` (nats-server config text), `args` (list).
     */
    public function __construct(array $options = [])
    {
        $json = $options === [] ? null : json_encode((object) $options, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
        $this->handle = Library::call('natskit_local_server*', 'natskit_local_server_start', $json);
    }

    public function __destruct()
    {
        $this->stop();
    }

    /** The URL to connect to. */
    public function url(): string
    {
        return (string) Library::lent('natskit_local_server_url', $this->handle);
    }

    /** Stops the server. */
    public function stop(): void
    {
        Library::free('natskit_local_server_stop', $this->handle);
    }
}
