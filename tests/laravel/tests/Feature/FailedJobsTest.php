<?php

namespace Tests\Feature;

use App\Jobs\BackoffArrayJob;
use App\Jobs\ExplicitFailJob;
use App\Jobs\SwitchJob;
use NatsKit\Message;
use Nats;
use Tests\TestCase;

/**
 * Laravel's database failer (`failed_jobs`) with the `nats` queue, `queue:retry`, and the
 * dead-letter subject of `dead_letter_queue` (the seed's `failed` → laravel.queue.failed).
 */
class FailedJobsTest extends TestCase
{
    public function test_a_failed_job_lands_in_failed_jobs_and_queue_retry_all_runs_it(): void
    {
        $key = $this->key('switch');
        $switch = self::dir() . "/{$this->queue}.on";
        dispatch(new SwitchJob($key, $switch))->onQueue($this->queue);
        $this->startWorker();
        $rows = $this->waitFor(fn () => $this->failedRows(), 15, 'the failed_jobs row');
        $this->assertCount(1, $rows);
        $this->assertSame('nats', $rows[0]->connection);
        $this->assertStringContainsString("switch {$key} is off", $rows[0]->exception);
        $uuid = json_decode($rows[0]->payload, true)['uuid'];
        $this->assertSame($uuid, $rows[0]->uuid);

        $list = $this->runArtisan(['queue:failed']);
        $this->assertStringContainsString($uuid, $list->stdout());

        touch($switch);
        $retry = $this->runArtisan(['queue:retry', 'all']);
        $this->assertSame(0, $retry->exitCode(), $retry->describe());
        $done = $this->waitFor(fn () => $this->runs($key, 'done'), 15, 'the retried job to run');
        $this->assertSame(1, $done[0]['attempts'], 'queue:retry starts the attempts again');
        $this->assertSame([], $this->failedRows(), 'the row is gone once retried');
        $this->assertCount(2, $this->runs($key, 'run'));
    }

    public function test_queue_retry_of_one_id_and_forget(): void
    {
        $a = $this->key('a');
        $b = $this->key('b');
        $switch = self::dir() . "/{$this->queue}.on";
        dispatch(new SwitchJob($a, $switch))->onQueue($this->queue);
        dispatch(new SwitchJob($b, $switch))->onQueue($this->queue);
        $this->startWorker();
        $rows = $this->waitFor(fn () => count($this->failedRows()) === 2 ? $this->failedRows() : null, 15, 'two failed_jobs rows');
        $byKey = [];
        foreach ($rows as $row) {
            $command = unserialize(json_decode($row->payload, true)['data']['command']);
            $byKey[$command->key] = $row->uuid;
        }

        touch($switch);
        $this->assertSame(0, $this->runArtisan(['queue:retry', $byKey[$a]])->exitCode());
        $this->waitFor(fn () => $this->runs($a, 'done'), 15, 'job a to run again');
        $forget = $this->runArtisan(['queue:forget', $byKey[$b]]);
        $this->assertSame(0, $forget->exitCode(), $forget->describe());
        $this->assertSame([], $this->failedRows());
        usleep(500_000);
        $this->assertSame([], $this->runs($b, 'done'), 'a forgotten job is not run');
    }

    public function test_failed_jobs_are_published_to_the_dead_letter_subject(): void
    {
        $key = $this->key('dlq');
        $letters = [];
        Nats::subscribe('laravel.queue.failed', function (Message $message) use (&$letters) {
            $letters[] = $message->getDecodedPayload();
        });
        Nats::connection()->flush();

        dispatch(new BackoffArrayJob($key))->onQueue($this->queue);
        dispatch(new ExplicitFailJob($this->key('dlq-explicit')))->onQueue($this->queue);
        $this->startWorker();
        $this->waitFor(function () use (&$letters) {
            Nats::process(0.1);
            return count(array_filter($letters, fn ($l) => ($l['original_queue'] ?? null) === $this->queue)) >= 2;
        }, 20, 'two dead letters');
        Nats::process(0.3);
        $mine = array_values(array_filter($letters, fn ($l) => ($l['original_queue'] ?? null) === $this->queue));
        $this->assertCount(2, $mine, 'one dead letter per failed job');

        $byClass = [];
        foreach ($mine as $letter) {
            foreach (['original_queue', 'original_connection', 'failure_message', 'failure_exception', 'failure_trace', 'failed_at', 'payload'] as $field) {
                $this->assertArrayHasKey($field, $letter);
            }
            $byClass[$letter['payload']['displayName']] = $letter;
        }
        $letter = $byClass[BackoffArrayJob::class];
        $this->assertSame('nats', $letter['original_connection']);
        $this->assertSame('backoff array attempt 3', $letter['failure_message']);
        $this->assertSame(\RuntimeException::class, $letter['failure_exception']);
        $this->assertStringContainsString('BackoffArrayJob', $letter['failure_trace']);
        $this->assertEqualsWithDelta(microtime(true), $letter['failed_at'], 30);
        $this->assertSame(BackoffArrayJob::class, $letter['payload']['data']['commandName']);
        $this->assertSame("explicitly failed by {$this->key('dlq-explicit')}", $byClass[ExplicitFailJob::class]['failure_message']);

        // The database failer still has both.
        $this->assertCount(2, $this->waitFor(fn () => count($this->failedRows()) === 2 ? $this->failedRows() : null, 5, 'two rows'));
    }
}
