<?php

namespace App\Support;

/**
 * What the fixture's jobs did, one JSON line per event, appended under a lock to the file
 * named by RUN_LOG (a test sets it for itself and every artisan process it starts), so the
 * test process can watch jobs run in other processes.
 */
final class RunLog
{
    public static function path(): string
    {
        return (string) (getenv('RUN_LOG') ?: storage_path('logs/runs.jsonl'));
    }

    /** Appends `$event` of job `$key` with the attempt, process and time. */
    public static function record(string $event, string $key, array $fields = []): void
    {
        $line = json_encode(['event' => $event, 'key' => $key, 'pid' => getmypid(), 'time' => microtime(true)] + $fields,
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES) . "\n";
        $file = fopen(self::path(), 'ab');
        flock($file, LOCK_EX);
        fwrite($file, $line);
        fflush($file);
        flock($file, LOCK_UN);
        fclose($file);
    }

    /** Every recorded event, oldest first (optionally those of one key / one event). */
    public static function all(?string $key = null, ?string $event = null): array
    {
        $path = self::path();
        if (!is_file($path)) {
            return [];
        }
        $events = [];
        foreach (file($path, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
            $entry = json_decode($line, true);
            if (is_array($entry) && ($key === null || $entry['key'] === $key) && ($event === null || $entry['event'] === $event)) {
                $events[] = $entry;
            }
        }
        return $events;
    }
}
