<?php

namespace Tests\Feature;

use App\Jobs\ProcessOrder;
use App\Jobs\RecordJob;
use Illuminate\Support\Facades\Queue;
use Tests\TestCase;

/**
 * One queue, several natskit hosts: Laravel's jobs are natskit jobs on the NATSKIT_JOBS stream
 * (the CLI reads them), and a job another host pushes naming a Laravel job class with data
 * is run by `queue:work` as `new ProcessOrder(...$data)`.
 */
class CrossHostTest extends TestCase
{
    public function test_the_cli_sees_jobs_laravel_dispatched(): void
    {
        $cli = $this->requireCli();
        dispatch(new RecordJob($this->key('a')))->onQueue($this->queue);
        dispatch(new RecordJob($this->key('b')))->onQueue($this->queue);
        Queue::connection('nats')->laterOn($this->queue, 60, new RecordJob($this->key('c')));

        $size = $this->runProcess([$cli, '--json', 'queue', 'size', $this->queue]);
        $this->assertSame(0, $size->exitCode(), $size->describe());
        $body = json_decode($size->stdout(), true);
        $this->assertSame($this->queue, $body['queue']);
        $this->assertSame(2, $body['ready']);
        $this->assertSame(1, $body['delayed']);

        $text = $this->runProcess([$cli, 'queue', 'size', $this->queue]);
        $this->assertMatchesRegularExpression('/' . preg_quote($this->queue, '/') . '\s+2\s+0\s+1\b/', $text->stdout());
    }

    public function test_a_job_pushed_by_plain_php_natskit_runs_as_the_laravel_job_class(): void
    {
        $push = $this->runProcess([PHP_BINARY, '-d', 'ffi.enable=1', dirname(__DIR__) . '/Support/push_job.php',
            static::$natsUrl, $this->queue, ProcessOrder::class, '{"order": 5, "note": "from plain PHP"}']);
        $this->assertSame(0, $push->exitCode(), $push->describe());
        $this->assertWorkedOrder(5, 'from plain PHP');
    }

    public function test_a_job_pushed_by_python_runs_as_the_laravel_job_class(): void
    {
        $python = $this->requirePython();
        $script = 'import sys, natskit; nc = natskit.connect(sys.argv[1]); '
            . 'print(nc.queue(sys.argv[2]).push("App\\\\Jobs\\\\ProcessOrder", {"order": 7, "note": "from Python"})); nc.close()';
        $push = $this->runProcess([$python, '-c', $script, static::$natsUrl, $this->queue]);
        $this->assertSame(0, $push->exitCode(), $push->describe());
        $this->assertWorkedOrder(7, 'from Python');
    }

    public function test_a_job_pushed_by_the_cli_runs_as_the_laravel_job_class(): void
    {
        $cli = $this->requireCli();
        $push = $this->runProcess([$cli, 'queue', 'push', $this->queue, ProcessOrder::class, '{"order": 9}']);
        $this->assertSame(0, $push->exitCode(), $push->describe());
        $this->assertWorkedOrder(9, 'none');
    }

    public function test_data_that_does_not_fit_the_constructor_fails_the_job_clearly(): void
    {
        $push = $this->runProcess([PHP_BINARY, '-d', 'ffi.enable=1', dirname(__DIR__) . '/Support/push_job.php',
            static::$natsUrl, $this->queue, ProcessOrder::class, '{"orderr": 5}']);
        $this->assertSame(0, $push->exitCode(), $push->describe());
        $this->startWorker();
        $rows = $this->waitFor(fn () => $this->failedRows(), 15, 'the failed_jobs row');
        $this->assertStringContainsString(ProcessOrder::class, $rows[0]->exception);
        $this->assertStringContainsString('orderr', $rows[0]->exception, 'the message names the data that did not fit');
        $this->assertSame([], array_filter($this->runs(null, 'order'), fn ($e) => $e['queue'] === $this->queue));
    }

    private function assertWorkedOrder(int $order, string $note): void
    {
        $this->startWorker();
        $runs = $this->waitFor(fn () => $this->runs("order-{$order}", 'order'), 15, "ProcessOrder {$order}");
        $this->assertCount(1, $runs);
        $this->assertSame($order, $runs[0]['order']);
        $this->assertSame($note, $runs[0]['note']);
        $this->assertSame(1, $runs[0]['attempts']);
        $this->assertSame($this->queue, $runs[0]['queue']);
        $this->assertSame('nats', $runs[0]['connection']);
        $this->waitFor(fn () => Queue::connection('nats')->size($this->queue) === 0, 5, 'the job to leave the queue');
        $this->assertSame([], $this->failedRows());
    }

    private function requireCli(): string
    {
        return self::cli() ?? $this->missing('the natskit CLI is not built (cargo build -p natskit-cli)');
    }

    private function requirePython(): string
    {
        $python = self::root() . '/.venv/bin/python';
        $probe = is_executable($python) ? $this->runProcess([$python, '-c', 'import natskit']) : null;
        if ($probe === null || $probe->exitCode() !== 0) {
            $this->missing('the natskit Python binding is not in .venv (make -C bindings-python build)');
        }
        return $python;
    }

    private function missing(string $what): never
    {
        getenv('NATSKIT_REQUIRE_CROSS_HOST') ? $this->fail($what) : $this->markTestSkipped($what);
    }
}
