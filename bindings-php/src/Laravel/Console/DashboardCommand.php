<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ErrorCode;

/**
 * nats:dashboard: runs `natskit dashboard` (the natskit CLI) on a connection of config/nats.php
 * until Ctrl-C or SIGTERM. The CLI is not part of the Composer package: it is `bin/natskit` of
 * the C release archive; this command finds it at config `nats.cli` (NATSKIT_CLI), else on
 * PATH. The connection's settings reach it in a private temporary file, removed once the
 * dashboard is up; the token in the environment, never on its command line.
 */
final class DashboardCommand extends NatsCommand
{
    protected $signature = 'nats:dashboard
        ' . self::CONNECTION . '
        {--listen=127.0.0.1:8222 : Address to serve on (off loopback it needs --token)}
        {--token= : Token every request must carry (Bearer, or the basic-auth password); default NATSKIT_DASHBOARD_TOKEN}
        {--read-only : Show everything, but hide and refuse retry and forget}
        {--interval=2s : How often the numbers are taken, e.g. 500ms or 5s}';

    protected $description = 'Serve the live natskit dashboard (queues, failed jobs, streams) until Ctrl-C';

    protected function perform(): int
    {
        $cli = $this->cli();
        $name = $this->connectionName();
        $config = ['default' => $name, 'connections' => (object) [$name => $this->nats()->connectionConfig($name)]];
        $file = tempnam(sys_get_temp_dir(), 'natskit-dashboard-');
        if ($file === false) {
            throw new ConfigException('cannot create a temporary file for the connection settings', ErrorCode::CONFIG);
        }
        try {
            chmod($file, 0600);
            file_put_contents($file, json_encode($config, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES));
            return $this->serve($cli, $file, $name);
        } finally {
            @unlink($file);
        }
    }

    /** Runs the dashboard, relaying its output; removes `$file` once it is up. */
    private function serve(string $cli, string $file, string $name): int
    {
        $command = [$cli, 'dashboard', '--config', $file, '--connection', $name,
            '--listen', (string) $this->option('listen'), '--interval', (string) $this->option('interval')];
        if ($this->option('read-only')) {
            $command[] = '--read-only';
        }
        $env = array_filter(getenv(), 'is_string');
        $token = $this->optionValue('token');
        if ($token !== null) {
            $env['NATSKIT_DASHBOARD_TOKEN'] = $token;
        }
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => STDERR], $pipes, null, $env);
        if (!is_resource($process)) {
            throw new ConfigException("cannot start {$cli}", ErrorCode::CONFIG);
        }
        if (function_exists('pcntl_async_signals')) {
            pcntl_async_signals(true);
            foreach ([SIGINT, SIGTERM] as $signal) {
                pcntl_signal($signal, static fn () => proc_terminate($process, SIGTERM));
            }
        }
        // Polled, not a blocking read: natskit's own threads in this process may take the
        // signal, and its handler runs only once PHP runs again.
        while (true) {
            $ready = [$pipes[1]];
            $none = null;
            if (!@stream_select($ready, $none, $none, 0, 200_000)) {
                continue;
            }
            $line = fgets($pipes[1]);
            if ($line === false) {
                break;
            }
            @unlink($file);
            $this->line(rtrim($line, "\n"));
        }
        fclose($pipes[1]);
        return proc_close($process);
    }

    /** The natskit CLI: config `nats.cli` (NATSKIT_CLI), else `natskit` on PATH. */
    private function cli(): string
    {
        $configured = $this->laravel['config']['nats.cli'] ?? getenv('NATSKIT_CLI');
        if (is_string($configured) && $configured !== '') {
            if (!is_file($configured) || !is_executable($configured)) {
                throw new ConfigException("the natskit CLI at {$configured} (nats.cli / NATSKIT_CLI) is not an executable file", ErrorCode::CONFIG);
            }
            return $configured;
        }
        foreach (explode(PATH_SEPARATOR, (string) getenv('PATH')) as $dir) {
            if ($dir !== '' && is_file("{$dir}/natskit") && is_executable("{$dir}/natskit")) {
                return "{$dir}/natskit";
            }
        }
        throw new ConfigException(
            'the natskit CLI was not found: put bin/natskit of the C release archive (natskit-<version>-linux-x86_64.tar.gz) on PATH, or set NATSKIT_CLI (config nats.cli) to its path',
            ErrorCode::CONFIG,
        );
    }
}
