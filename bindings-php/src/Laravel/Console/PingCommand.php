<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\Exception\NatsException;

/**
 * nats:ping: a readiness check by core's health check of the connection: it connects and times
 * a round trip to the server (exit 0 = reachable).
 */
final class PingCommand extends NatsCommand
{
    protected $signature = 'nats:ping
        ' . self::CONNECTION . '
        {--json : Print the result as JSON: connection, ok, status, rtt_ms, server (and error when it failed)}';

    protected $description = 'Check that a NATS connection is reachable and measure the round trip (exit code 1 when it is not)';

    protected function perform(): int
    {
        $name = $this->connectionName();
        $result = ['connection' => $name, 'ok' => true, 'status' => 'OK', 'rtt_ms' => null, 'server' => $this->server($name)];
        try {
            $check = $this->client()->health()['checks'][0];
            $result['status'] = $check['status'];
            if ($check['status'] === 'CRITICAL') {
                $result['ok'] = false;
                $result['error'] = $check['message'];
            } else {
                $result['rtt_ms'] = round($check['rtt'] * 1000, 3);
            }
        } catch (NatsException $e) {
            $result['ok'] = false;
            $result['status'] = 'CRITICAL';
            $result['error'] = $e->getMessage();
        }
        return $this->report($result);
    }

    private function report(array $result): int
    {
        if ($this->option('json')) {
            $this->line(json_encode($result, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR));
        } elseif ($result['ok']) {
            $this->info(sprintf('NATS connection [%s] at %s is reachable: round trip %.3f ms', $result['connection'], $result['server'], $result['rtt_ms']));
        } else {
            $this->error(sprintf('NATS connection [%s] is unreachable: %s', $result['connection'], $result['error']));
        }
        return $result['ok'] ? self::SUCCESS : self::FAILURE;
    }

    /** The connection's configured server URL(s), credentials left out; null for an unknown connection. */
    private function server(string $name): ?string
    {
        try {
            $config = $this->nats()->connectionConfig($name);
        } catch (NatsException) {
            return null;
        }
        $servers = $config['servers'] ?? $config['url'] ?? null;
        if (is_array($servers)) {
            $servers = implode(',', $servers);
        }
        if ($servers === null || $servers === '') {
            return sprintf('nats://%s:%d', $config['host'] ?? '127.0.0.1', $config['port'] ?? 4222);
        }
        return preg_replace('#(^|,|//)[^/@,]*@#', '$1', $servers);
    }
}
