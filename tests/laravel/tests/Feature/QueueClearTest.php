<?php

namespace Tests\Feature;

use App\Jobs\NoopJob;
use App\Jobs\UniqueReportJob;
use Illuminate\Support\Facades\Queue;
use Tests\TestCase;

/** `php artisan queue:clear nats`: waiting and delayed jobs go, and so do their unique locks. */
class QueueClearTest extends TestCase
{
    public function test_queue_clear_removes_waiting_and_delayed_jobs_and_frees_unique_locks(): void
    {
        $nats = Queue::connection('nats');
        for ($i = 0; $i < 3; $i++) {
            dispatch(new NoopJob())->onQueue($this->queue);
        }
        $nats->later(300, new NoopJob(), '', $this->queue);
        dispatch(new UniqueReportJob('2026-11'))->onQueue($this->queue);
        dispatch(new UniqueReportJob('2026-11'))->onQueue($this->queue);
        $this->assertSame(5, $nats->size($this->queue), 'the second unique dispatch is dropped while the first waits');

        $clear = $this->runArtisan(['queue:clear', 'nats', "--queue={$this->queue}", '--force']);
        $this->assertSame(0, $clear->exitCode(), $clear->describe());
        $this->assertStringContainsString('Cleared 5 jobs', $clear->stdout());
        $this->assertSame(0, $nats->size($this->queue));

        dispatch(new UniqueReportJob('2026-11'))->onQueue($this->queue);
        $this->assertSame(1, $nats->size($this->queue), 'the unique lock was freed by the clear');
    }
}
