<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use Illuminate\Console\Command;
use NatsKit\Client;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NatsException;
use NatsKit\JetStream;
use NatsKit\Laravel\NatsManager;

/**
 * The base of the nats:* commands: the --connection option, option checks, and one error line
 * with exit code 1 for every natskit failure (an unknown connection, a missing stream, …).
 */
abstract class NatsCommand extends Command
{
    /** The option every command takes; each signature includes it. */
    protected const CONNECTION = '{--connection= : A connection from config/nats.php (default: nats.default)}';

    final public function handle(): int
    {
        try {
            return $this->perform();
        } catch (NatsException $e) {
            $this->error($e->getMessage());
            return self::FAILURE;
        }
    }

    /** The command's work; a NatsException thrown here is reported as one line and exit code 1. */
    abstract protected function perform(): int;

    /** The name of the connection the command uses. */
    protected function connectionName(): string
    {
        return $this->connectionOption() ?? $this->nats()->getDefaultConnection();
    }

    protected function nats(): NatsManager
    {
        return $this->laravel->make('nats');
    }

    protected function client(): Client
    {
        return $this->nats()->connection($this->connectionOption());
    }

    protected function jetstream(): JetStream
    {
        return $this->nats()->jetstream($this->connectionOption());
    }

    /** The option's value, or null when it was not given (given without a value is an error). */
    protected function optionValue(string $name): ?string
    {
        $value = $this->option($name);
        if ($value === null && $this->input->hasParameterOption("--{$name}")) {
            throw self::invalid("--{$name} needs a value");
        }
        return $value;
    }

    /** The option's value, one of `$allowed`, or null when it was not given. */
    protected function choiceOption(string $name, array $allowed): ?string
    {
        $value = $this->optionValue($name);
        if ($value !== null && !in_array($value, $allowed, true)) {
            throw self::invalid(sprintf('--%s must be one of %s, got "%s"', $name, implode(', ', $allowed), $value));
        }
        return $value;
    }

    /** The option as a whole number ≥ 0, or null when it was not given. */
    protected function countOption(string $name): ?int
    {
        $value = $this->optionValue($name);
        if ($value === null) {
            return null;
        }
        $count = ctype_digit($value) ? filter_var($value, FILTER_VALIDATE_INT) : false;
        if ($count === false) {
            throw self::invalid(sprintf('--%s must be a whole number of at least 0, got "%s"', $name, $value));
        }
        return $count;
    }

    /** Whether to go on with a destructive action: --force was given or the user said yes. */
    protected function confirmed(string $question): bool
    {
        return $this->option('force') || $this->confirm($question);
    }

    /** Says that nothing was done (declined, or no --force without a terminal) and returns 1. */
    protected function cancelled(string $what): int
    {
        $this->warn("Cancelled: {$what} (use --force to skip the question).");
        return self::FAILURE;
    }

    /** One page of a list as a table, saying so when the list has more (or nothing) to show. */
    protected function showPage(string $things, array $headers, array $rows, int $offset, int $total): void
    {
        if ($rows === []) {
            $this->line($total === 0 ? "No {$things}." : "No {$things} from offset {$offset} (there are {$total}).");
            return;
        }
        $this->table($headers, $rows);
        $last = $offset + count($rows);
        if ($last < $total) {
            $this->line(sprintf('Showing %s %d-%d of %d; next page: --offset=%d', $things, $offset + 1, $last, $total, $last));
        }
    }

    protected static function invalid(string $message): InvalidArgumentException
    {
        return new InvalidArgumentException($message, ErrorCode::INVALID_ARGUMENT);
    }

    /** A server limit for display: -1 (or 0 where the server means none) is "unlimited". */
    protected static function limit(?int $value): string
    {
        return $value === null || $value <= 0 ? 'unlimited' : (string) $value;
    }

    /** Seconds as the durations --max-age accepts: "500ms", "1m30s", "7d". */
    protected static function duration(float $seconds): string
    {
        if ($seconds < 1) {
            return round($seconds * 1e3, 3) . 'ms';
        }
        $text = '';
        foreach (['d' => 86400, 'h' => 3600, 'm' => 60] as $unit => $size) {
            if ($seconds >= $size) {
                $whole = intdiv((int) $seconds, $size);
                $text .= $whole . $unit;
                $seconds -= $whole * $size;
            }
        }
        return $seconds > 0 || $text === '' ? $text . round($seconds, 3) . 's' : $text;
    }

    private function connectionOption(): ?string
    {
        $name = $this->option('connection');
        return $name === null || $name === '' ? null : $name;
    }
}
