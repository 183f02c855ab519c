<?php

namespace Tests\Feature;

use App\Jobs\RecordJob;
use Illuminate\Support\Facades\Queue;
use Tests\Support\Process;
use Tests\TestCase;

/**
 * `kill -9` of `php artisan queue:work` mid-job: the job (and the jobs the worker had
 * prefetched) are still reserved on the server and come back after retry_after (3 s here).
 */
class WorkerCrashTest extends TestCase
{
    protected static function environment(): array
    {
        return ['NATS_RETRY_AFTER' => '3'];
    }

    public function test_a_job_of_a_killed_worker_is_redelivered_after_retry_after_and_completes(): void
    {
        $key = $this->key('crash');
        dispatch(new RecordJob($key, 2.0))->onQueue($this->queue);
        dispatch(new RecordJob($this->key('after'), 0))->onQueue($this->queue);
        $worker = $this->startWorker();
        $first = $this->waitFor(fn () => $this->runs($key, 'start'), 15, 'the job to start');
        $worker->kill(SIGKILL);
        $this->assertNotNull($worker->wait(5));
        $killedAt = microtime(true);
        $this->assertSame([], $this->runs($key, 'done'), 'killed mid-job');
        $this->assertSame(2, Queue::connection('nats')->size($this->queue), 'both jobs still count (reserved)');

        $this->startWorker();
        $done = $this->waitFor(fn () => $this->runs($key, 'done'), 20, 'the redelivered job to complete');
        $starts = $this->runs($key, 'start');
        $this->assertCount(2, $starts);
        $this->assertSame(2, $starts[1]['attempts'], 'the interrupted run counted as an attempt');
        $this->assertGreaterThanOrEqual(2.9, $starts[1]['time'] - $first[0]['time'], 'not before retry_after');
        $this->assertLessThan(12, $starts[1]['time'] - $killedAt, 'soon after retry_after');
        $this->assertCount(1, $done);
        $this->waitFor(fn () => $this->runs($this->key('after'), 'done'), 10, 'the prefetched job of the killed worker');
        $this->waitFor(fn () => Queue::connection('nats')->size($this->queue) === 0, 5, 'an empty queue');
    }

    public function test_a_job_running_longer_than_retry_after_stays_reserved_and_runs_once(): void
    {
        $key = $this->key('long');
        dispatch(new RecordJob($key, 5.0))->onQueue($this->queue); // retry_after is 3 s
        $this->startWorker();
        $this->startWorker();
        $this->waitFor(fn () => $this->runs($key, 'start'), 15, 'the long job to start');
        $queue = \Illuminate\Support\Facades\Queue::connection('nats');
        $this->assertSame(1, $queue->reservedSize($this->queue), 'reserved while it runs');
        $this->assertSame(0, $queue->pendingSize($this->queue));
        $this->assertSame(1, $queue->size($this->queue));
        $this->waitFor(fn () => $this->runs($key, 'done'), 15, 'the long job to finish');
        usleep(500_000);
        $this->assertCount(1, $this->runs($key, 'start'), 'the running job is heartbeated: no second worker got it after retry_after');
        $this->assertSame(0, $queue->size($this->queue));
    }

    public function test_500_jobs_with_three_worker_kills_all_complete(): void
    {
        $total = 500;
        $queue = Queue::connection('nats');
        for ($i = 0; $i < $total; $i++) {
            $queue->pushOn($this->queue, new RecordJob($this->key("j{$i}"), 0.01));
        }
        $this->assertSame($total, $queue->size($this->queue));

        /** @var list<Process> $workers */
        $workers = [$this->startWorker(), $this->startWorker()];
        $kills = 0;
        foreach ([100, 220, 340] as $threshold) {
            $this->waitFor(fn () => $this->doneCount() >= $threshold, 60, "{$threshold} jobs done");
            $victim = $kills % 2;
            $workers[$victim]->kill(SIGKILL);
            $workers[$victim]->wait(5);
            $kills++;
            $workers[$victim] = $this->startWorker();
        }
        $this->waitFor(fn () => count($this->doneKeys()) >= $total, 90, "all {$total} jobs done");
        $this->waitFor(fn () => $queue->size($this->queue) === 0, 10, 'an empty queue');

        $starts = array_count_values(array_column($this->mine('start'), 'key'));
        $dones = array_count_values(array_column($this->mine('done'), 'key'));
        $this->assertCount($total, $dones, 'every job completed');
        $doubleDone = array_keys(array_filter($dones, fn ($n) => $n > 1));
        $restarted = array_keys(array_filter($starts, fn ($n) => $n > 1));
        fwrite(STDERR, sprintf("\n  [500 jobs, %d kills] runs: %d starts, %d completions; jobs started twice: %d (%s); completed twice: %d\n",
            $kills, array_sum($starts), array_sum($dones), count($restarted), implode(', ', array_map(fn ($k) => substr($k, strrpos($k, ':') + 1), $restarted)), count($doubleDone)));
        $this->assertLessThanOrEqual($kills, count($restarted), 'only a job in flight in a killed worker runs again');
        $this->assertLessThanOrEqual($kills, count($doubleDone), 'a duplicate completion needs a kill between done and ack');
        $this->assertSame([], $this->failedRows());
    }

    private function mine(string $event): array
    {
        return array_filter($this->runs(null, $event), fn ($e) => str_starts_with($e['key'], "{$this->queue}:j"));
    }

    private function doneKeys(): array
    {
        return array_unique(array_column($this->mine('done'), 'key'));
    }

    private function doneCount(): int
    {
        return count($this->mine('done'));
    }
}
