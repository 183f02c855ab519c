<?php

namespace Tests\Feature;

use App\Jobs\FailOnTimeoutJob;
use App\Jobs\TimeoutJob;
use Tests\TestCase;

/**
 * `$timeout`: the daemon worker kills itself (SIGKILL) when a job overruns; the job, still
 * reserved on the server, comes back after retry_after (3 s here) to a new worker.
 */
class TimeoutTest extends TestCase
{
    protected static function environment(): array
    {
        return ['NATS_RETRY_AFTER' => '3'];
    }

    public function test_a_timed_out_job_comes_back_after_retry_after_and_completes(): void
    {
        $key = $this->key('timeout');
        dispatch(new TimeoutJob($key, [1]))->onQueue($this->queue);
        $worker = $this->startWorker();
        $this->waitFor(fn () => $this->runs($key, 'start'), 15, 'the first attempt');
        $this->assertNotNull($worker->wait(10), 'the worker kills itself at the 2 s timeout');
        $this->assertSame(SIGKILL, $worker->signal(), 'Laravel ends a timed-out worker with SIGKILL: ' . $worker->describe());

        $this->startWorker();
        $done = $this->waitFor(fn () => $this->runs($key, 'done'), 20, 'the second attempt to complete');
        $starts = $this->runs($key, 'start');
        $this->assertSame([1, 2], array_column($starts, 'attempts'));
        $this->assertSame(2, $done[0]['attempts']);
        $this->assertGreaterThanOrEqual(2.9, $starts[1]['time'] - $starts[0]['time'], 'redelivered after retry_after (3 s), not earlier');
        $this->assertSame([], $this->runs($key, 'failed'));
        $this->assertSame([], $this->failedRows());
    }

    public function test_a_job_timing_out_on_its_last_try_ends_failed(): void
    {
        $key = $this->key('timeout-fail');
        dispatch(new TimeoutJob($key, [1, 2], 2))->onQueue($this->queue);
        $first = $this->startWorker();
        $this->waitFor(fn () => $this->runs($key, 'start'), 15, 'the first attempt');
        $this->assertNotNull($first->wait(10), 'the worker kills itself at the timeout');

        $second = $this->startWorker();
        $this->waitFor(fn () => count($this->runs($key, 'start')) >= 2, 20, 'the second attempt');
        $this->assertNotNull($second->wait(10), 'the second worker kills itself too');
        $failed = $this->waitFor(fn () => $this->runs($key, 'failed'), 5, 'failed() on the last try');
        $this->assertStringContainsString('timed out', $failed[0]['message']);
        $rows = $this->waitFor(fn () => $this->failedRows(), 5, 'the failed_jobs row');
        $this->assertCount(1, $rows);

        // Nothing comes back: a third worker finds the queue empty after retry_after.
        $third = $this->startWorker();
        sleep(4);
        $this->assertTrue($third->isRunning(), $third->describe());
        $this->assertCount(2, $this->runs($key, 'start'), 'no third attempt');
        $this->assertSame([], $this->runs($key, 'done'));
    }

    public function test_fail_on_timeout_fails_at_the_first_timeout(): void
    {
        $key = $this->key('fot');
        dispatch(new FailOnTimeoutJob($key))->onQueue($this->queue);
        $worker = $this->startWorker();
        $this->waitFor(fn () => $this->runs($key, 'start'), 15, 'the first attempt');
        $this->assertNotNull($worker->wait(10), 'the worker kills itself at the timeout');
        $failed = $this->waitFor(fn () => $this->runs($key, 'failed'), 5, 'failed() at the first timeout');
        $this->assertStringContainsString('timed out', $failed[0]['message']);
        $this->assertCount(1, $this->waitFor(fn () => $this->failedRows(), 5, 'the failed_jobs row'));

        $next = $this->startWorker();
        sleep(4); // past retry_after: a job still reserved would be back by now
        $this->assertTrue($next->isRunning(), $next->describe());
        $this->assertCount(1, $this->runs($key, 'start'), 'five tries, but failOnTimeout ends it at once');
    }
}
