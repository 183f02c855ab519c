<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NatsException;

/**
 * nats:health: natskit's health checks with Nagios exit codes (0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN): the connection and its round trip, JetStream, streams, consumers (lag) and
 * queues (age of the oldest waiting job).
 */
final class HealthCommand extends NatsCommand
{
    protected $signature = 'nats:health
        ' . self::CONNECTION . '
        {--jetstream : Check that JetStream answers (implied by --stream, --consumer and --queue)}
        {--stream=* : A stream that must exist}
        {--consumer=* : A consumer (STREAM:CONSUMER) that must exist, judged by its lag}
        {--queue=* : A queue judged by the age of its oldest waiting job}
        {--rtt-warn= : Round trip (ms) above which the connection is WARNING}
        {--rtt-crit= : Round trip (ms) above which the connection is CRITICAL}
        {--lag-warn= : Consumer lag (pending + unacknowledged messages) for WARNING}
        {--lag-crit= : Consumer lag for CRITICAL}
        {--age-warn= : Oldest waiting job age (seconds) for WARNING}
        {--age-crit= : Oldest waiting job age (seconds) for CRITICAL}
        {--json : Print the report as JSON: status, code, checks}';

    protected $description = 'Check NATS, JetStream, streams, consumers and queues (Nagios exit codes)';

    protected function perform(): int
    {
        try {
            $options = $this->checks();
        } catch (InvalidArgumentException $e) {
            $this->error($e->getMessage());
            return 3;
        }
        try {
            $report = $this->client()->health($options);
        } catch (InvalidArgumentException $e) {
            $this->error($e->getMessage());
            return 3;
        } catch (NatsException $e) {
            $report = ['status' => 'CRITICAL', 'code' => 2, 'checks' => [
                ['name' => 'connection', 'status' => 'CRITICAL', 'message' => $e->getMessage()],
            ]];
        }
        if ($this->option('json')) {
            $this->line(json_encode($report, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR));
        } else {
            $parts = array_map(fn (array $c) => "{$c['name']} {$c['message']}", $report['checks']);
            $this->line($report['status'] . ': ' . implode('; ', $parts));
        }
        return $report['code'];
    }

    /** The options for Client::health(), durations in seconds. */
    private function checks(): array
    {
        $options = [
            'jetstream' => (bool) $this->option('jetstream'),
            'streams' => $this->option('stream'),
            'consumers' => $this->option('consumer'),
            'queues' => $this->option('queue'),
        ];
        $ms = fn (string $name) => ($v = $this->numberOption($name)) === null ? null : $v / 1000;
        foreach ([
            'rtt' => [$ms('rtt-warn'), $ms('rtt-crit')],
            'lag' => [$this->countOption('lag-warn'), $this->countOption('lag-crit')],
            'age' => [$this->numberOption('age-warn'), $this->numberOption('age-crit')],
        ] as $key => [$warn, $crit]) {
            $options[$key] = array_filter(['warn' => $warn, 'crit' => $crit], fn ($v) => $v !== null);
            if ($options[$key] === []) {
                unset($options[$key]);
            } else {
                $options[$key] = (object) $options[$key];
            }
        }
        return $options;
    }

    /** The option as a number ≥ 0, or null when it was not given. */
    private function numberOption(string $name): ?float
    {
        $value = $this->optionValue($name);
        if ($value === null) {
            return null;
        }
        if (!is_numeric($value) || (float) $value < 0 || !is_finite((float) $value)) {
            throw self::invalid(sprintf('--%s must be a number of at least 0, got "%s"', $name, $value));
        }
        return (float) $value;
    }
}
