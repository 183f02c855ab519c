<?php

namespace Tests\Feature;

use App\Jobs\BackoffArrayJob;
use App\Jobs\BackoffIntJob;
use App\Jobs\ExplicitFailJob;
use App\Jobs\MaxExceptionsJob;
use App\Jobs\NoopJob;
use App\Jobs\RecordJob;
use App\Jobs\ReleaseJob;
use App\Jobs\RetryUntilJob;
use Illuminate\Support\Facades\Queue;
use Tests\TestCase;

/**
 * dispatch() in the test process, `php artisan queue:work nats` (daemon mode) in another:
 * each job's tries, backoff, retryUntil, maxExceptions, release() and fail() as Laravel
 * defines them, observed through what the jobs record.
 */
class QueueWorkerTest extends TestCase
{
    public function test_a_dispatched_job_is_handled_exactly_once(): void
    {
        $id = Queue::connection('nats')->pushOn($this->queue, new RecordJob($this->key('once')));
        $this->assertIsString($id);
        $this->assertSame(1, Queue::connection('nats')->size($this->queue));

        $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('once'), 'done'), 15, 'the job to run');
        $this->waitFor(fn () => Queue::connection('nats')->size($this->queue) === 0, 5, 'the job to leave the queue');
        usleep(500_000);

        $starts = $this->runs($this->key('once'), 'start');
        $this->assertCount(1, $starts);
        $this->assertSame(1, $starts[0]['attempts'], 'the first run is attempt 1');
        $this->assertSame($id, $starts[0]['id'], 'the job id the push returned');
        $this->assertSame([], $this->failedRows());
    }

    public function test_dispatch_helper_and_default_connection(): void
    {
        $this->assertSame('nats', config('queue.default'));
        for ($i = 1; $i <= 5; $i++) {
            dispatch(new RecordJob($this->key("d{$i}")))->onQueue($this->queue);
        }
        $this->assertSame(5, Queue::size($this->queue));
        $worker = $this->startWorker(['--stop-when-empty' => true]);
        $this->assertSame(0, $worker->wait(30), $worker->describe());
        for ($i = 1; $i <= 5; $i++) {
            $this->assertCount(1, $this->runs($this->key("d{$i}"), 'done'), "job d{$i}");
        }
        $this->assertStringContainsString('Processed:', $worker->stdout());
    }

    public function test_sigterm_lets_the_running_job_finish_and_hands_back_prefetched_jobs_at_once(): void
    {
        // retry_after is 60 s here: jobs a stopped worker had prefetched must not wait for it.
        for ($i = 1; $i <= 4; $i++) {
            dispatch(new RecordJob($this->key("t{$i}"), 1.0))->onQueue($this->queue);
        }
        $worker = $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('t1'), 'start'), 15, 'the first job');
        $worker->kill(SIGTERM);
        $this->assertSame(0, $worker->wait(10), 'queue:work exits cleanly on SIGTERM: ' . $worker->describe());
        $this->assertCount(1, $this->runs($this->key('t1'), 'done'), 'the running job finished');
        $this->assertSame([], $this->runs($this->key('t2')), 'no new job after SIGTERM');
        $this->assertSame(3, Queue::connection('nats')->pendingSize($this->queue), 'the prefetched jobs are ready again, not reserved');

        $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('t4'), 'done'), 15, 'the rest, well before retry_after');
        foreach ([2, 3, 4] as $i) {
            $this->assertSame(1, $this->runs($this->key("t{$i}"), 'start')[0]['attempts'], 'handing back is not an attempt');
        }
    }

    public function test_max_jobs_exit_hands_back_prefetched_jobs(): void
    {
        for ($i = 1; $i <= 3; $i++) {
            dispatch(new RecordJob($this->key("m{$i}")))->onQueue($this->queue);
        }
        $worker = $this->startWorker(['--max-jobs' => '1']);
        $this->assertSame(0, $worker->wait(15), $worker->describe());
        $this->assertCount(1, array_filter([1, 2, 3], fn ($i) => $this->runs($this->key("m{$i}"), 'done')));
        $this->assertSame(2, Queue::connection('nats')->pendingSize($this->queue));
        $this->assertSame(0, Queue::connection('nats')->reservedSize($this->queue));
    }

    public function test_a_chain_runs_in_order_on_the_nats_connection(): void
    {
        \Illuminate\Support\Facades\Bus::chain([
            new RecordJob($this->key('c1')),
            new RecordJob($this->key('c2')),
            new RecordJob($this->key('c3')),
        ])->onConnection('nats')->onQueue($this->queue)->dispatch();
        $this->assertSame(1, Queue::connection('nats')->size($this->queue), 'a chain queues its first job');
        $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('c3'), 'done'), 15, 'the end of the chain');
        $starts = array_values(array_filter($this->runs(null, 'start'), fn ($e) => str_starts_with($e['key'], $this->queue)));
        $this->assertSame([$this->key('c1'), $this->key('c2'), $this->key('c3')], array_column($starts, 'key'));
    }

    public function test_tries_and_backoff_array(): void
    {
        $key = $this->key('array');
        dispatch(new BackoffArrayJob($key))->onQueue($this->queue);
        $this->startWorker();
        $failed = $this->waitFor(fn () => $this->runs($key, 'failed'), 20, 'the job to fail after its tries');
        usleep(300_000);

        $runs = $this->runs($key, 'run');
        $this->assertSame([1, 2, 3], array_column($runs, 'attempts'), 'three tries, attempts counted');
        $this->assertGreaterThanOrEqual(0.9, $runs[1]['time'] - $runs[0]['time'], 'backoff[0] = 1 s: not early');
        $this->assertGreaterThanOrEqual(1.9, $runs[2]['time'] - $runs[1]['time'], 'backoff[1] = 2 s: not early');
        $this->assertLessThan(5.0, $runs[2]['time'] - $runs[1]['time'], 'backoff[1] = 2 s: not much later');
        $this->assertCount(1, $failed);
        $this->assertSame('backoff array attempt 3', $failed[0]['message']);

        $rows = $this->waitFor(fn () => $this->failedRows(), 5, 'the failed_jobs row');
        $this->assertCount(1, $rows);
        $this->assertSame('nats', $rows[0]->connection);
        $this->assertStringContainsString('backoff array attempt 3', $rows[0]->exception);
        $this->assertSame(BackoffArrayJob::class, json_decode($rows[0]->payload, true)['displayName']);
    }

    public function test_backoff_int(): void
    {
        $key = $this->key('int');
        dispatch(new BackoffIntJob($key))->onQueue($this->queue);
        $this->startWorker();
        $this->waitFor(fn () => $this->runs($key, 'failed'), 20, 'the job to fail after its tries');

        $runs = $this->runs($key, 'run');
        $this->assertSame([1, 2, 3], array_column($runs, 'attempts'));
        foreach ([1, 2] as $i) {
            $gap = $runs[$i]['time'] - $runs[$i - 1]['time'];
            $this->assertGreaterThanOrEqual(1.9, $gap, "retry {$i} waits the 2 s backoff");
            $this->assertLessThan(5.0, $gap, "retry {$i} comes soon after its backoff");
        }
    }

    public function test_retry_until_retries_past_tries_until_the_deadline(): void
    {
        $key = $this->key('until');
        dispatch(new RetryUntilJob($key, 3))->onQueue($this->queue);
        $dispatched = microtime(true);
        $this->startWorker(); // --tries defaults to 1: only retryUntil keeps the job going
        $failed = $this->waitFor(fn () => $this->runs($key, 'failed'), 20, 'the job to fail at its deadline');
        usleep(300_000);

        $runs = $this->runs($key, 'run');
        $deadline = $runs[0]['deadline'];
        $this->assertGreaterThanOrEqual(2, count($runs), 'retried beyond --tries=1 while before retryUntil');
        $this->assertLessThanOrEqual(5, count($runs));
        foreach ($runs as $run) {
            $this->assertLessThanOrEqual($deadline + 1.5, $run['time'], 'no run long after retryUntil');
        }
        $this->assertGreaterThanOrEqual($deadline - 0.01, floor($failed[0]['time']), 'not failed before retryUntil');
        $this->assertLessThan($dispatched + 10, $failed[0]['time']);
    }

    public function test_max_exceptions_fails_on_the_second_exception_though_tries_remain(): void
    {
        $key = $this->key('maxexc');
        dispatch(new MaxExceptionsJob($key))->onQueue($this->queue);
        $this->startWorker();
        $failed = $this->waitFor(fn () => $this->runs($key, 'failed'), 20, 'the job to fail after two exceptions');
        usleep(500_000);

        $this->assertSame([1, 2, 3, 4], array_column($this->runs($key, 'run'), 'attempts'),
            'two releases (no exception) then two exceptions; tries=10 would allow more');
        $this->assertStringContainsString('max exceptions attempt 4', $failed[0]['message']);
        $this->assertCount(1, $this->failedRows());
    }

    public function test_release_with_delay_keeps_counting_attempts(): void
    {
        $key = $this->key('release');
        dispatch(new ReleaseJob($key))->onQueue($this->queue);
        $this->startWorker();
        $this->waitFor(fn () => $this->runs($key, 'done'), 15, 'the job to finish on attempt 3');

        $runs = $this->runs($key, 'run');
        $this->assertSame([1, 2, 3], array_column($runs, 'attempts'));
        $this->assertGreaterThanOrEqual(0.9, $runs[1]['time'] - $runs[0]['time'], 'release(1) waits 1 s');
        $this->assertGreaterThanOrEqual(0.9, $runs[2]['time'] - $runs[1]['time'], 'release(1) waits 1 s');
        $this->assertSame([], $this->failedRows());
    }

    public function test_fail_ends_the_job_at_once_and_calls_failed(): void
    {
        $key = $this->key('explicit');
        dispatch(new ExplicitFailJob($key))->onQueue($this->queue);
        $this->startWorker();
        $failed = $this->waitFor(fn () => $this->runs($key, 'failed'), 15, 'failed() to be called');
        $rows = $this->waitFor(fn () => $this->failedRows(), 5, 'the failed_jobs row');

        $this->assertSame("explicitly failed by {$key}", $failed[0]['message']);
        $this->assertStringContainsString("explicitly failed by {$key}", $rows[0]->exception);
        sleep(2);
        $this->assertCount(1, $this->runs($key, 'run'), 'a failed job is not retried though tries remain');
        $this->assertSame(0, Queue::connection('nats')->size($this->queue));
    }

    public function test_size_counts_ready_and_delayed_and_clear_empties(): void
    {
        $queue = Queue::connection('nats');
        $queue->pushOn($this->queue, new NoopJob());
        $queue->pushOn($this->queue, new NoopJob());
        $queue->laterOn($this->queue, 60, new NoopJob());
        $this->assertSame(3, $queue->size($this->queue));
        $this->assertSame(2, $queue->pendingSize($this->queue));
        $this->assertSame(1, $queue->delayedSize($this->queue));
        $this->assertSame(0, $queue->reservedSize($this->queue));
        $oldest = $queue->creationTimeOfOldestPendingJob($this->queue);
        $this->assertEqualsWithDelta(time(), $oldest, 5);

        $clear = $this->runArtisan(['queue:clear', 'nats', "--queue={$this->queue}", '--force']);
        $this->assertSame(0, $clear->exitCode(), $clear->describe());
        $this->assertSame(0, $queue->size($this->queue));
    }

    public function test_after_commit_dispatch_waits_for_the_transaction(): void
    {
        $queue = Queue::connection('nats');
        \DB::transaction(function () use ($queue) {
            dispatch(new NoopJob())->onQueue($this->queue)->afterCommit();
            $this->assertSame(0, $queue->size($this->queue), 'not pushed inside the transaction');
        });
        $this->assertSame(1, $queue->size($this->queue), 'pushed on commit');

        \DB::beginTransaction();
        dispatch(new NoopJob())->onQueue($this->queue)->afterCommit();
        \DB::rollBack();
        $this->assertSame(1, $queue->size($this->queue), 'dropped with the rollback');
    }

    public function test_bulk_and_a_batch_run_every_job(): void
    {
        $ids = Queue::connection('nats')->bulk([new RecordJob($this->key('b1')), new RecordJob($this->key('b2'))], '', $this->queue);
        $this->assertCount(2, $ids);
        $batch = \Illuminate\Support\Facades\Bus::batch(array_map(fn ($i) => new \App\Jobs\BatchJob($this->key("batch{$i}")), range(1, 20)))
            ->onConnection('nats')->onQueue($this->queue)->dispatch();
        $this->assertSame(22, Queue::connection('nats')->size($this->queue));

        $this->startWorker();
        $this->waitFor(fn () => \Illuminate\Support\Facades\Bus::findBatch($batch->id)->finished(), 20, 'the batch to finish');
        $fresh = \Illuminate\Support\Facades\Bus::findBatch($batch->id);
        $this->assertSame(0, $fresh->pendingJobs);
        $this->assertSame(0, $fresh->failedJobs);
        foreach (range(1, 20) as $i) {
            $this->assertSame($batch->id, $this->runs($this->key("batch{$i}"), 'done')[0]['batch'] ?? null);
        }
        $this->waitFor(fn () => $this->runs($this->key('b2'), 'done') && $this->runs($this->key('b1'), 'done'), 10, 'the bulk jobs');
    }

    public function test_queue_monitor_reads_the_size(): void
    {
        for ($i = 0; $i < 3; $i++) {
            dispatch(new NoopJob())->onQueue($this->queue);
        }
        Queue::connection('nats')->laterOn($this->queue, 60, new NoopJob());
        $monitor = $this->runArtisan(['queue:monitor', "nats:{$this->queue}", '--max=4']);
        $this->assertSame(0, $monitor->exitCode(), $monitor->describe());
        $this->assertMatchesRegularExpression('/\|\s*nats\s*\|\s*' . preg_quote($this->queue, '/') . '\s*\|\s*4\s*\|\s*ALERT/', $monitor->stdout());
    }

    public function test_pop_on_an_empty_queue_waits_block_for_and_no_longer(): void
    {
        $this->assertSame('0.5', (string) config('queue.connections.nats.block_for'));
        $queue = Queue::connection('nats');
        $queue->pushOn($this->queue, new NoopJob());
        $queue->pop($this->queue)->delete(); // the consumer exists: later pops measure the wait alone

        $started = microtime(true);
        $this->assertNull($queue->pop($this->queue));
        $waited = microtime(true) - $started;
        $this->assertGreaterThanOrEqual(0.45, $waited, 'block_for 0.5: an empty pop waits for a job');
        $this->assertLessThan(0.9, $waited, 'block_for 0.5: an empty pop returns after about 0.5 s');

        config(['queue.connections.nats-noblock' => ['block_for' => null] + config('queue.connections.nats')]);
        $noBlock = Queue::connection('nats-noblock');
        $started = microtime(true);
        $this->assertNull($noBlock->pop($this->queue));
        $this->assertLessThan(0.3, microtime(true) - $started, 'no block_for: an empty pop returns at once (queue:work --queue=high,default pops high before every default job)');
        $noBlock->getClient()->close();
    }

    public function test_the_driver_works_on_per_queue_streams_and_partitions(): void
    {
        $env = ['NATS_QUEUE_STREAMS' => 'per-queue', 'NATS_QUEUE_PARTITIONS' => '3'];
        config(['nats.connections.default.queue' => ['streams' => 'per-queue', 'queues' => ['default' => ['partitions' => 3]]]]);
        $this->app['nats']->disconnect();
        $this->app->forgetInstance('nats');
        foreach (range(1, 6) as $i) {
            dispatch(new RecordJob($this->key("wide{$i}")))->onConnection('nats-named')->onQueue('default');
        }
        $placement = $this->app['nats']->connection()->queue('default')->placement();
        $this->assertCount(3, $placement['partitions']);
        $this->assertSame('per-queue', $placement['layout']);
        $this->startWorker(['--queue' => 'default'], 'nats-named', $env);
        foreach (range(1, 6) as $i) {
            $this->waitFor(fn () => $this->runs($this->key("wide{$i}"), 'done'), 15, "job {$i} on a partitioned queue");
        }
        $this->assertSame(0, Queue::connection('nats-named')->size('default'));
    }
}
