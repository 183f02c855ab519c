<?php

namespace Tests\Feature;

use App\Jobs\ExplicitFailJob;
use App\Jobs\SwitchJob;
use NatsKit\FailedJobs;
use NatsKit\Laravel\Queue\NatsFailedJobProvider;
use Tests\TestCase;

/**
 * `'failed' => ['driver' => 'nats']`: failed jobs live in natskit's failed store, so
 * `php artisan queue:failed|retry|forget|flush` and `natskit queue failed|retry|...` (the
 * CLI, and every other host) act on the same records.
 */
class NatsFailerTest extends TestCase
{
    protected static function environment(): array
    {
        return ['QUEUE_FAILED_DRIVER' => 'nats', 'QUEUE_FAILED_CONNECTION' => 'nats'];
    }

    public function test_the_failer_is_the_packages(): void
    {
        $this->assertInstanceOf(NatsFailedJobProvider::class, app('queue.failer'));
    }

    public function test_artisan_and_the_natskit_store_see_the_same_failed_jobs(): void
    {
        $ids = $this->failTwoJobs();

        $this->assertEqualsCanonicalizing($ids, $this->artisanFailedIds(), 'php artisan queue:failed');
        $this->assertSame(0, $this->app['db']->table('failed_jobs')->count(), 'nothing in failed_jobs with the nats failer');
        $record = $this->store()->find($ids[0]);
        $this->assertSame('nats', $record['connection']);
        $this->assertSame($this->queue, $record['queue']);
        $this->assertNotSame('', $record['message']);
    }

    public function test_the_cli_lists_the_jobs_artisan_lists(): void
    {
        $this->requireCli();
        $ids = $this->failTwoJobs();
        $this->assertEqualsCanonicalizing($ids, $this->cliFailedIds(), 'natskit queue failed --json');
        $this->assertEqualsCanonicalizing($this->artisanFailedIds(), $this->cliFailedIds());
    }

    public function test_artisan_retry_forget_and_flush_act_on_the_natskit_store(): void
    {
        $this->retryForgetFlush(fn () => $this->storeIds());
    }

    public function test_artisan_retry_forget_and_flush_are_seen_by_the_cli(): void
    {
        $this->requireCli();
        $this->retryForgetFlush(fn () => $this->cliFailedIds());
    }

    public function test_queue_prune_failed_removes_old_records(): void
    {
        $this->failTwoJobs();
        $keep = $this->runArtisan(['queue:prune-failed', '--hours=1']);
        $this->assertSame(0, $keep->exitCode(), $keep->describe());
        $this->assertCount(2, $this->storeIds(), 'records younger than an hour stay');
        sleep(1);
        $prune = $this->runArtisan(['queue:prune-failed', '--hours=0']);
        $this->assertSame(0, $prune->exitCode(), $prune->describe());
        $this->assertSame([], $this->storeIds(), 'every record is older than 0 hours');
    }

    /** queue:retry, queue:forget, queue:flush through artisan; `$ids()` is the other side's view. */
    private function retryForgetFlush(callable $ids): void
    {
        [$first, $second] = $this->failTwoJobs();
        touch(self::dir() . "/{$this->queue}.on");
        $retried = $this->runs(null, 'run');

        $retry = $this->runArtisan(['queue:retry', $first]);
        $this->assertSame(0, $retry->exitCode(), $retry->describe());
        $this->assertEqualsCanonicalizing([$second], $ids(), 'retried: gone from the failed store');
        $this->startWorker();
        $this->waitFor(fn () => count($this->mine($this->runs(null, 'run'))) === count($this->mine($retried)) + 1, 15, 'the retried job to run');
        $this->assertEqualsCanonicalizing([$second], $this->artisanFailedIds(), 'the retried job did not fail again');

        $forget = $this->runArtisan(['queue:forget', $second]);
        $this->assertSame(0, $forget->exitCode(), $forget->describe());
        $this->assertSame([], $ids(), 'forgotten: gone from the failed store');

        $this->failTwoJobs('again');
        $flush = $this->runArtisan(['queue:flush']);
        $this->assertSame(0, $flush->exitCode(), $flush->describe());
        $this->assertSame([], $ids(), 'flushed: gone from the failed store');
        $this->assertSame([], $this->artisanFailedIds());
    }

    /** The events of this test's jobs. */
    private function mine(array $events): array
    {
        return array_filter($events, fn ($e) => str_starts_with($e['key'], $this->queue));
    }

    public function test_a_job_retried_by_the_cli_is_run_by_queue_work(): void
    {
        $cli = $this->requireCli();
        [$first] = $this->failTwoJobs();
        touch(self::dir() . "/{$this->queue}.on");
        $retry = $this->runProcess([$cli, '--json', 'queue', 'retry', $first]);
        $this->assertSame(0, $retry->exitCode(), $retry->describe());
        $this->assertContains($first, json_decode($retry->stdout(), true)['retried'] ?? []);
        $this->startWorker();
        $this->waitFor(fn () => array_filter($this->runs(null, 'done'), fn ($e) => str_starts_with($e['key'], $this->queue)), 15, 'the job the CLI retried to run');
        $this->assertEqualsCanonicalizing(array_values(array_diff($this->storeIds(), [])), $this->artisanFailedIds());
        $this->assertNotContains($first, $this->artisanFailedIds());
    }

    /** Fails a SwitchJob and an ExplicitFailJob on this test's queue; returns their ids in that order. */
    private function failTwoJobs(string $tag = ''): array
    {
        $switch = self::dir() . "/{$this->queue}{$tag}.on";
        dispatch(new SwitchJob($this->key("a{$tag}"), $switch))->onQueue($this->queue);
        dispatch(new ExplicitFailJob($this->key("b{$tag}")))->onQueue($this->queue);
        $worker = $this->startWorker(['--stop-when-empty' => true]);
        $this->assertSame(0, $worker->wait(30), $worker->describe());
        $this->waitFor(fn () => count($this->storeIds()) >= 2, 10, 'two failed jobs in the natskit store');
        $byClass = [];
        foreach ($this->store()->all($this->queue) as $record) {
            $byClass[$record['payload']['displayName']] = $record['id'];
        }
        $this->assertCount(2, $byClass);
        return [$byClass[SwitchJob::class], $byClass[ExplicitFailJob::class]];
    }

    private function store(): FailedJobs
    {
        return $this->natsQueue()->queue($this->queue)->failed();
    }

    /** Ids natskit's store holds for this test's queue. */
    private function storeIds(): array
    {
        return array_column($this->store()->all($this->queue), 'id');
    }

    /** Ids of this test's queue in `php artisan queue:failed`. */
    private function artisanFailedIds(): array
    {
        $list = $this->runArtisan(['queue:failed']);
        $this->assertSame(0, $list->exitCode(), $list->describe());
        $ids = [];
        foreach (explode("\n", $list->stdout()) as $line) {
            $cells = array_map('trim', explode('|', trim($line)));
            if (count($cells) >= 5 && $cells[3] === $this->queue) {
                $ids[] = $cells[1];
            }
        }
        return $ids;
    }

    /** Ids of this test's queue in `natskit queue failed --json`. */
    private function cliFailedIds(): array
    {
        $cli = $this->requireCli();
        $list = $this->runProcess([$cli, '--json', 'queue', 'failed', '--queue', $this->queue]);
        $this->assertSame(0, $list->exitCode(), $list->describe());
        $jobs = json_decode($list->stdout(), true);
        $this->assertIsArray($jobs, $list->stdout());
        return array_column($jobs, 'id');
    }

    private function requireCli(): string
    {
        $cli = self::cli();
        if ($cli === null) {
            $message = 'the natskit CLI is not built (cargo build -p natskit-cli)';
            getenv('NATSKIT_REQUIRE_CROSS_HOST') ? $this->fail($message) : $this->markTestSkipped($message);
        }
        return $cli;
    }
}
