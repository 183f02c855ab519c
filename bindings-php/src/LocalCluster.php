<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * Three routed nats-server nodes with JetStream on loopback, for failover tests (binary
 * found like LocalServer's). Stopped when released.
 */
final class LocalCluster
{
    private ?CData $handle;

    /** Starts the nodes and returns once JetStream has elected a meta leader (a few seconds). */
    public function __construct()
    {
        $this->handle = Library::call('natskit_local_cluster*', 'natskit_local_cluster_start');
    }

    public function __destruct()
    {
        $this->stop();
    }

    /**
     * The client URLs of every node, node 0 first.
     *
     * @return list<string>
     */
    public function urls(): array
    {
        return explode(',', (string) Library::lent('natskit_local_cluster_urls', $this->handle));
    }

    /** Kills node 0, 1 or 2 (SIGKILL), keeping its ports and store for restart(). */
    public function kill(int $node): void
    {
        Library::check(Library::ffi()->natskit_local_cluster_kill($this->handle, $node));
    }

    /** Starts a killed node again and returns once JetStream has a meta leader. */
    public function restart(int $node): void
    {
        Library::check(Library::ffi()->natskit_local_cluster_restart($this->handle, $node));
    }

    /** Stops every node. */
    public function stop(): void
    {
        Library::free('natskit_local_cluster_free', $this->handle);
    }
}
