<?php

namespace Tests\Feature;

use App\Jobs\RecordJob;
use Illuminate\Support\Facades\Queue;
use Tests\TestCase;

/**
 * `later()` is a schedule the server keeps: not run early, counted by size(), and still
 * there after the nats-server restarts (same port, same store).
 */
class DelayedJobsTest extends TestCase
{
    public function test_a_delayed_job_is_not_run_early_survives_a_server_restart_and_runs(): void
    {
        $key = $this->key('later');
        $queue = Queue::connection('nats');
        $pushed = microtime(true);
        $queue->laterOn($this->queue, 5, new RecordJob($key));
        $queue->pushOn($this->queue, new RecordJob($this->key('now')));
        $this->assertSame(2, $queue->size($this->queue), 'size() counts ready and delayed');
        $this->assertSame(1, $queue->delayedSize($this->queue));
        $this->assertSame(1, $queue->pendingSize($this->queue));

        $worker = $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('now'), 'done'), 10, 'the immediate job');
        $this->assertSame([], $this->runs($key), 'the delayed job waits');

        static::$nats->stop();
        $this->assertFalse(static::$nats->isRunning());
        static::$nats->start();
        $this->assertSame(1, $queue->delayedSize($this->queue), 'still scheduled after the restart');
        $this->assertLessThan(5.0, microtime(true) - $pushed, 'restart done before the job is due');

        $done = $this->waitFor(fn () => $this->runs($key, 'done'), 20, 'the delayed job after the restart');
        $this->assertGreaterThanOrEqual($pushed + 4.9, $done[0]['time'], 'not run before its 5 s delay');
        $this->assertLessThan($pushed + 12, $done[0]['time']);
        $this->assertTrue($worker->isRunning(), 'the worker rode out the restart: ' . $worker->describe());
        $this->assertCount(1, $this->runs($key, 'start'));
        $this->waitFor(fn () => $queue->size($this->queue) === 0, 5, 'an empty queue');
    }

    public function test_later_accepts_datetimes_and_dispatch_delay(): void
    {
        $queue = Queue::connection('nats');
        $start = microtime(true);
        $queue->laterOn($this->queue, now()->addSeconds(2), new RecordJob($this->key('datetime')));
        $queue->laterOn($this->queue, new \DateInterval('PT2S'), new RecordJob($this->key('interval')));
        dispatch(new RecordJob($this->key('dispatch')))->onQueue($this->queue)->delay(2);
        $this->assertSame(3, $queue->delayedSize($this->queue));

        $this->startWorker();
        foreach (['datetime', 'interval', 'dispatch'] as $name) {
            $done = $this->waitFor(fn () => $this->runs($this->key($name), 'done'), 15, "the {$name} job");
            $this->assertGreaterThanOrEqual($start + 1.0, $done[0]['time'], "{$name}: not run early");
        }
    }
}
