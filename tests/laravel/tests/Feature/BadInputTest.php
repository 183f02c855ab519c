<?php

namespace Tests\Feature;

use App\Jobs\RecordJob;
use Illuminate\Support\Facades\Queue;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\NatsException;
use Nats;
use Tests\Support\NatsServer;
use Tests\TestCase;

/** What a Laravel user gets wrong, and what they see when they do. */
class BadInputTest extends TestCase
{
    public function test_an_unknown_nats_connection_is_a_clear_config_error(): void
    {
        try {
            Nats::connection('nope');
            $this->fail('an unknown connection must throw');
        } catch (ConfigException $e) {
            $this->assertSame(ErrorCode::CONFIG, $e->getCode());
            $this->assertStringContainsString('nope', $e->getMessage());
            $this->assertStringContainsString('default', $e->getMessage(), 'it names the connections there are');
        }
    }

    public function test_a_bad_nats_config_fails_when_a_console_process_boots(): void
    {
        $unknown = $this->runArtisan(['list'], ['NATS_CONNECTION' => 'nope']);
        $this->assertNotSame(0, $unknown->exitCode());
        $this->assertStringContainsString('no connection named "nope"', $unknown->stdout() . $unknown->stderr());

        $port = $this->runArtisan(['list'], ['NATS_PORT' => 'notaport', 'NATS_PASSWORD' => 'pw-S3CRET']);
        $this->assertNotSame(0, $port->exitCode());
        $output = $port->stdout() . $port->stderr();
        $this->assertStringContainsString('port', $output);
        $this->assertStringNotContainsString('pw-S3CRET', $output);

        $this->assertSame(0, $this->runArtisan(['list'])->exitCode(), 'a good config boots');
    }

    public function test_a_queue_connection_naming_an_unknown_nats_connection_fails_clearly(): void
    {
        config(['queue.connections.nats-named.connection' => 'nope']);
        try {
            Queue::connection('nats-named');
            $this->fail('a queue connection naming an unknown NATS connection must throw');
        } catch (ConfigException $e) {
            $this->assertStringContainsString('nope', $e->getMessage());
        }

        $worker = $this->runArtisan(['queue:work', 'nats-named', '--once'], ['NATS_QUEUE_NATS_CONNECTION' => 'nope']);
        $this->assertNotSame(0, $worker->exitCode(), 'queue:work must not start: ' . $worker->describe());
        $this->assertStringContainsString('nope', $worker->stdout() . $worker->stderr());
    }

    public function test_the_named_connection_form_works(): void
    {
        dispatch(new RecordJob($this->key('named')))->onConnection('nats-named')->onQueue($this->queue);
        $this->startWorker([], 'nats-named');
        $done = $this->waitFor(fn () => $this->runs($this->key('named'), 'done'), 15, 'the job on nats-named');
        $this->assertCount(1, $done);
    }

    public function test_unknown_driver_options_are_rejected(): void
    {
        config(['queue.connections.nats-typo' => ['driver' => 'nats', 'host' => '127.0.0.1', 'port' => static::$nats->port, 'retry_aftr' => 5]]);
        try {
            Queue::connection('nats-typo');
            $this->fail('a misspelt option must not be ignored');
        } catch (NatsException $e) {
            $this->assertStringContainsString('retry_aftr', $e->getMessage());
        }
    }

    public function test_dispatch_with_no_server_throws(): void
    {
        config(['queue.connections.nats.port' => NatsServer::freePort()]);
        $started = microtime(true);
        try {
            dispatch(new RecordJob($this->key('nowhere')))->onQueue($this->queue);
            $this->fail('dispatch to a server that is not there must throw');
        } catch (NatsException $e) {
            $this->assertSame(ErrorCode::CONNECT, $e->getCode(), get_class($e) . ': ' . $e->getMessage());
            $this->assertLessThan(15, microtime(true) - $started);
        }
    }

    public function test_dispatch_while_the_server_is_down_throws_and_drops_nothing_silently(): void
    {
        dispatch(new RecordJob($this->key('before')))->onQueue($this->queue);
        static::$nats->stop();
        $started = microtime(true);
        $threw = null;
        try {
            dispatch(new RecordJob($this->key('during')))->onQueue($this->queue);
        } catch (NatsException $e) {
            $threw = $e;
        }
        $took = microtime(true) - $started;
        static::$nats->start();
        $this->assertNotNull($threw, 'a dispatch that could not be stored must throw');
        $this->assertLessThan(15, $took, 'and within the JetStream timeout');
        $this->assertContains($threw->getCode(), [ErrorCode::TIMEOUT, ErrorCode::CONNECT, ErrorCode::CLOSED, ErrorCode::JETSTREAM, ErrorCode::IO], get_class($threw) . ': ' . $threw->getMessage());

        $size = $this->waitFor(fn () => Queue::connection('nats')->size($this->queue), 15, 'the queue after the restart');
        $this->startWorker(['--stop-when-empty' => true])->wait(30);
        $this->assertCount(1, $this->runs($this->key('before'), 'done'), 'the job stored before the outage survives');
        $during = count($this->runs($this->key('during'), 'done'));
        $this->assertLessThanOrEqual(1, $during);
        if ($during === 1) {
            fwrite(STDERR, "\n  [outage] the dispatch that threw {$threw->getMessage()} was stored anyway after the reconnect (size {$size}): a caller retrying it would queue the job twice\n");
        }
    }

    public function test_malformed_messages_on_the_queue_subject_fail_clearly_and_the_worker_goes_on(): void
    {
        $queue = Queue::connection('nats');
        $queue->pushOn($this->queue, new RecordJob($this->key('first')));
        $subject = "natskit.jobs.q.{$this->queue}";
        Nats::publish($subject, 'raw garbage, not JSON');
        Nats::publish($subject, '{"hello": "a JSON object that is not a job"}');
        Nats::publish($subject, "\xff\xfe\x00binary");
        Nats::connection()->flush();
        $queue->pushOn($this->queue, new RecordJob($this->key('next')));
        $this->waitFor(fn () => $queue->size($this->queue) === 5, 5, 'five messages on the queue (garbage included)');

        $worker = $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('next'), 'done'), 15, 'the job after the garbage');
        $rows = $this->waitFor(fn () => count($this->failedRows()) === 3 ? $this->failedRows() : null, 10, 'three failed_jobs rows');
        $this->assertTrue($worker->isRunning(), 'the worker keeps running: ' . $worker->describe());
        $this->assertCount(1, $this->runs($this->key('first'), 'done'));
        foreach ($rows as $row) {
            $this->assertSame('nats', $row->connection);
            $this->assertMatchesRegularExpression('/not a (valid )?job|invalid|malformed|cannot|decode|JSON/i', strtok($row->exception, "\n"), 'a message that says what is wrong');
        }
        $exceptions = implode("\n", array_map(fn ($r) => strtok($r->exception, "\n"), $rows));
        $this->assertStringNotContainsString('Undefined array key', $exceptions);
        $this->assertStringNotContainsString('TypeError', $exceptions);
        $payloads = implode("\n", array_column($rows, 'payload'));
        $this->assertStringContainsString('raw garbage', $payloads, 'the message text is kept for inspection');
        $this->waitFor(fn () => $queue->size($this->queue) === 0, 5, 'nothing left on the queue');
    }

    public function test_a_queue_name_natskit_cannot_use_is_refused_at_dispatch(): void
    {
        try {
            dispatch(new RecordJob($this->key('dots')))->onQueue('emails.high');
            $this->fail('a queue name with a dot must be refused');
        } catch (\NatsKit\Exception\InvalidArgumentException $e) {
            $this->assertSame(ErrorCode::INVALID_ARGUMENT, $e->getCode());
            $this->assertStringContainsString('emails.high', $e->getMessage());
        }
        // Laravel's worker reports a pop that throws (laravel.log) and carries on: the report
        // must say what is wrong.
        $worker = $this->runArtisan(['queue:work', 'nats', '--queue=emails.high', '--once']);
        $log = (string) @file_get_contents(self::dir() . '/laravel.log');
        $this->assertMatchesRegularExpression('/invalid queue name \\\\?"emails\.high/', $log, $worker->describe());
    }

    public function test_a_job_larger_than_the_server_allows_is_refused_at_dispatch(): void
    {
        try {
            dispatch(new RecordJob($this->key('big') . str_repeat('x', 2_000_000)))->onQueue($this->queue);
            $this->fail('a 2 MB job must be refused (max_payload is 1 MB)');
        } catch (NatsException $e) {
            $this->assertSame(ErrorCode::PAYLOAD_TOO_LARGE, $e->getCode(), get_class($e) . ': ' . $e->getMessage());
        }
        $this->assertSame(0, Queue::connection('nats')->size($this->queue));
    }
}
