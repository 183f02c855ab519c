<?php

namespace Tests\Feature;

use App\Jobs\RecordJob;
use Tests\TestCase;

/** `queue:work nats --queue=high,default`: the first queue named is emptied first. */
class PriorityTest extends TestCase
{
    public function test_high_jobs_run_before_default_jobs_already_waiting(): void
    {
        [$high, $low] = ["{$this->queue}-high", "{$this->queue}-low"];
        for ($i = 1; $i <= 4; $i++) {
            dispatch(new RecordJob("{$this->queue}:low{$i}"))->onQueue($low);
        }
        for ($i = 1; $i <= 4; $i++) {
            dispatch(new RecordJob("{$this->queue}:high{$i}"))->onQueue($high);
        }
        $worker = $this->startWorker(['--queue' => "{$high},{$low}", '--stop-when-empty' => true]);
        $this->assertSame(0, $worker->wait(30), $worker->describe());

        $order = $this->startOrder();
        $this->assertSame(['high1', 'high2', 'high3', 'high4', 'low1', 'low2', 'low3', 'low4'], $order);
    }

    public function test_a_high_job_pushed_while_default_jobs_run_goes_next(): void
    {
        [$high, $low] = ["{$this->queue}-high", "{$this->queue}-low"];
        for ($i = 1; $i <= 6; $i++) {
            dispatch(new RecordJob("{$this->queue}:low{$i}", 0.3))->onQueue($low);
        }
        $this->startWorker(['--queue' => "{$high},{$low}", '--sleep' => '0.1'], 'nats', ['NATS_BLOCK_FOR' => '0']);
        $this->waitFor(fn () => $this->runs("{$this->queue}:low1", 'start'), 10, 'the first default job');
        dispatch(new RecordJob("{$this->queue}:high1"))->onQueue($high);
        $this->waitFor(fn () => $this->runs("{$this->queue}:high1", 'done'), 10, 'the high job');

        $order = $this->startOrder();
        $this->assertSame(1, array_search('high1', $order, true), 'the high job runs right after the default job in progress: ' . implode(',', $order));
    }

    /** The jobs of this test in the order they started (`high1`, `low1`, ...). */
    private function startOrder(): array
    {
        $prefix = "{$this->queue}:";
        $mine = array_filter($this->runs(null, 'start'), fn ($e) => str_starts_with($e['key'], $prefix));
        return array_values(array_map(fn ($e) => substr($e['key'], strlen($prefix)), $mine));
    }
}
