<?php

namespace Tests\Support;

use RuntimeException;

/**
 * A child process (an artisan command, nats-server, the natskit CLI, Python) whose output goes
 * to files, so a test can read it at any time and a chatty child never blocks on a full pipe.
 */
final class Process
{
    /** @var resource */
    private $process;
    private int $pid;
    private ?int $exitCode = null;
    private ?int $signal = null;

    /** Starts `$command` (argv list, no shell) with exactly the environment `$env`. */
    public function __construct(public readonly array $command, array $env, string $cwd, private readonly string $logBase)
    {
        $spec = [0 => ['file', '/dev/null', 'r'], 1 => ['file', "{$logBase}.out", 'w'], 2 => ['file', "{$logBase}.err", 'w']];
        $process = proc_open($command, $spec, $pipes, $cwd, $env);
        if (!is_resource($process)) {
            throw new RuntimeException('cannot start ' . implode(' ', $command));
        }
        $this->process = $process;
        $this->pid = proc_get_status($process)['pid'];
    }

    public function pid(): int
    {
        return $this->pid;
    }

    public function isRunning(): bool
    {
        if ($this->exitCode !== null) {
            return false;
        }
        $status = proc_get_status($this->process);
        if ($status['running']) {
            return true;
        }
        $this->signal = $status['signaled'] ? $status['termsig'] : null;
        $this->exitCode = $status['signaled'] ? 128 + $status['termsig'] : $status['exitcode'];
        return false;
    }

    /** The exit status (128 + signal when killed), null while running. */
    public function exitCode(): ?int
    {
        $this->isRunning();
        return $this->exitCode;
    }

    /** The signal that ended the process, if one did. */
    public function signal(): ?int
    {
        $this->isRunning();
        return $this->signal;
    }

    /** Waits up to `$seconds` for the process to end; returns its exit status or null. */
    public function wait(float $seconds): ?int
    {
        $deadline = microtime(true) + $seconds;
        while ($this->isRunning() && microtime(true) < $deadline) {
            usleep(20_000);
        }
        return $this->exitCode();
    }

    public function kill(int $signal = SIGKILL): void
    {
        if ($this->isRunning()) {
            posix_kill($this->pid, $signal);
        }
    }

    /** SIGTERM, then SIGKILL if it is still running after `$grace` seconds. */
    public function stop(float $grace = 3.0): void
    {
        $this->kill(SIGTERM);
        if ($this->wait($grace) === null) {
            $this->kill(SIGKILL);
            $this->wait(5.0);
        }
    }

    public function stdout(): string
    {
        return (string) @file_get_contents("{$this->logBase}.out");
    }

    public function stderr(): string
    {
        return (string) @file_get_contents("{$this->logBase}.err");
    }

    /** A few lines about the process for assertion messages. */
    public function describe(int $tail = 2000): string
    {
        $state = $this->isRunning() ? 'running' : "exited {$this->exitCode}";
        $out = substr(trim($this->stdout()), -$tail);
        $err = substr(trim($this->stderr()), -$tail);
        return sprintf("[%s] pid %d, %s\n  stdout: %s\n  stderr: %s", implode(' ', array_slice($this->command, 0, 8)), $this->pid, $state, $out ?: '-', $err ?: '-');
    }
}
