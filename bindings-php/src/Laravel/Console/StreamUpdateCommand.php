<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

use NatsKit\JetStream\StreamConfig;

/**
 * nats:stream:update: changes the given settings of a stream and keeps the others (a max age
 * shorter than the duplicate window shortens the window too).
 */
final class StreamUpdateCommand extends NatsCommand
{
    /** Units --max-age accepts, in seconds. */
    private const UNITS = ['ms' => 0.001, 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400];

    protected $signature = 'nats:stream:update
        {stream : The stream name}
        ' . self::CONNECTION . '
        {--description= : A new description}
        {--storage= : file or memory (the server refuses to change it on an existing stream)}
        {--retention= : limits, interest or workqueue (the server refuses some changes)}
        {--max-messages= : The most messages kept (0 = unlimited)}
        {--max-bytes= : The most bytes kept (0 = unlimited)}
        {--max-age= : How long messages are kept: seconds, or a duration such as 500ms, 30m, 1h30m, 7d (0 = forever)}';

    protected $description = 'Update a JetStream stream; settings not given keep their current values';

    protected function perform(): int
    {
        $changes = array_filter([
            'withDescription' => $this->optionValue('description'),
            'withStorage' => $this->choiceOption('storage', StreamCreateCommand::STORAGES),
            'withRetention' => $this->choiceOption('retention', StreamCreateCommand::RETENTIONS),
            'withMaxMessages' => $this->countOption('max-messages'),
            'withMaxBytes' => $this->countOption('max-bytes'),
            'withMaxAge' => $this->maxAge(),
        ], static fn ($value) => $value !== null);
        if ($changes === []) {
            throw self::invalid('nothing to update: give --description, --storage, --retention, --max-messages, --max-bytes or --max-age');
        }
        $jetstream = $this->jetstream();
        $config = $jetstream->getStreamInfo($this->argument('stream'))->getConfig();
        foreach ($changes as $with => $value) {
            $config = $config->$with($value);
        }
        $config = self::fitDuplicateWindow($config);
        $info = $jetstream->updateStream($config);
        $this->info("Stream {$info->getName()} updated.");
        $this->table(StreamInfoCommand::HEADERS, StreamInfoCommand::rows($info));
        return self::SUCCESS;
    }

    /** --max-age in seconds: plain seconds ("90", "1.5") or amounts with units ("500ms", "1h30m", "7d"). */
    private function maxAge(): ?float
    {
        $value = $this->optionValue('max-age');
        if ($value === null) {
            return null;
        }
        if (preg_match('/^\d+(\.\d+)?$/', $value)) {
            $seconds = (float) $value;
        } elseif (preg_match('/^(\d+(\.\d+)?(ms|s|m|h|d))+$/', $value)) {
            preg_match_all('/(\d+(?:\.\d+)?)(ms|s|m|h|d)/', $value, $parts, PREG_SET_ORDER);
            $seconds = array_sum(array_map(static fn (array $part) => (float) $part[1] * self::UNITS[$part[2]], $parts));
        } else {
            throw self::invalid(sprintf('--max-age must be seconds or a duration such as 500ms, 30m, 1h30m or 7d, got "%s"', $value));
        }
        if ($seconds * 1e9 >= PHP_INT_MAX) {
            throw self::invalid(sprintf('--max-age must be under 292 years, got "%s"', $value));
        }
        return $seconds;
    }

    /**
     * Shrinks the duplicate window to a shorter max age, as the server does when it creates a
     * stream (on update it refuses a window longer than the max age instead).
     */
    private static function fitDuplicateWindow(StreamConfig $config): StreamConfig
    {
        $maxAge = (float) $config->get('max_age');
        return $maxAge > 0 && (float) $config->get('duplicate_window') > $maxAge
            ? $config->with('duplicate_window', $maxAge)
            : $config;
    }
}
