<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NotFoundException;
use NatsKit\Exception\QueueException;
use NatsKit\Job;
use NatsKit\Queue;
use NatsKit\QueueSize;
use NatsKit\Worker;

/** The job queue and the PHP worker against a real nats-server with JetStream. */
final class QueueTest extends ServerTestCase
{
    private static int $store = 0;
    private array $options;

    protected static function serverOptions(): array
    {
        return ['jetstream' => true];
    }

    protected function setUp(): void
    {
        $this->client = $this->connectQueues();
    }

    /** A connection whose queues, failed store and unique locks are private to this test. */
    private function connectQueues(array $queue = []): Client
    {
        $n = ++self::$store;
        $this->options = [
            'servers' => static::$server->url(),
            'queue' => $queue + [
                'retry_after' => 1,
                'stream' => "PHPJOBS_{$n}",
                'subject_prefix' => "phpjobs{$n}",
                'failed_bucket' => "php_failed_{$n}",
                'unique_bucket' => "php_unique_{$n}",
            ],
        ];
        return Client::connect($this->options);
    }

    /** Polls the sizes (counters settle shortly after an ack) until they match. */
    private function assertSizes(Queue $queue, int $ready, int $reserved, int $delayed, int $failed): QueueSize
    {
        $deadline = microtime(true) + 5;
        do {
            $size = $queue->sizes();
            $got = [$size->ready, $size->reserved, $size->delayed, $size->failed];
            if ($got === [$ready, $reserved, $delayed, $failed]) {
                break;
            }
            usleep(25_000);
        } while (microtime(true) < $deadline);
        $this->assertSame([$ready, $reserved, $delayed, $failed], $got, '[ready, reserved, delayed, failed]');
        return $size;
    }

    private function popJob(Queue $queue, float $timeout = 3.0): Job
    {
        $job = $queue->pop($timeout);
        $this->assertInstanceOf(Job::class, $job);
        return $job;
    }

    public function testPushPopDelete(): void
    {
        $queue = $this->client->queue('default');
        $id = $queue->push('ProcessOrder', ['order_id' => 7, 'items' => ['a', 'b']]);
        $this->assertIsString($id);
        $size = $this->assertSizes($queue, 1, 0, 0, 0);
        $this->assertGreaterThanOrEqual(0.0, $size->oldestAge);
        $this->assertSame(1, $queue->size());

        $job = $this->popJob($queue);
        $this->assertSame($id, $job->getJobId());
        $this->assertSame('ProcessOrder', $job->getName());
        $this->assertSame('default', $job->getQueue());
        $this->assertSame(['items' => ['a', 'b'], 'order_id' => 7], $job->getPayload());
        $this->assertSame(1, $job->attempts());
        $this->assertSame('ProcessOrder', $job->payload()['job']);
        $this->assertSizes($queue, 0, 1, 0, 0);

        $this->assertSame(['event' => 'deleted', 'hook' => 'processed', 'id' => $id], $job->delete());
        $this->assertTrue($job->isDeleted());
        try {
            $job->release();
            $this->fail('a finished job cannot be finished again');
        } catch (QueueException $e) {
            $this->assertStringContainsString('already finished', $e->getMessage());
        }
        $this->assertSizes($queue, 0, 0, 0, 0);
        $this->assertNull($queue->pop(0.1));
    }

    public function testARepeatedPushWithTheSameIdIsStoredOnce(): void
    {
        $queue = $this->client->queue('default');
        $this->assertSame('order-7', $queue->push('Ship', 1, ['id' => 'order-7']));
        $queue->push('Ship', 2, ['id' => 'order-7']);
        $this->assertSizes($queue, 1, 0, 0, 0);
        $job = $this->popJob($queue);
        $this->assertSame(['order-7', 1], [$job->getJobId(), $job->getPayload()]);
        $job->delete();
        $this->assertNull($queue->pop(0.2));
    }

    public function testTriesExhaustedGoToFailedStoreAndDeadLetterSubject(): void
    {
        $client = $this->connectQueues(['tries' => 2, 'dead_letter_subject' => 'php.dlq']);
        $dlq = $client->subscribe('php.dlq');
        $queue = $client->queue('mail');
        $id = $queue->push('SendMail', ['to' => 'ada']);

        $first = $this->popJob($queue);
        $event = $first->error(new \RuntimeException('smtp down'));
        $this->assertSame('retrying', $event['event']);
        $this->assertTrue($first->isReleased());

        $second = $this->popJob($queue);
        $this->assertSame(2, $second->attempts());
        $event = $second->error(new \DomainException('still down'));
        $this->assertSame('failed', $event['event']);
        $this->assertTrue($second->hasFailed());

        $message = $dlq->next(5.0);
        $this->assertNotNull($message);
        $letter = $message->getDecodedPayload();
        $this->assertSame('mail', $letter['original_queue']);
        $this->assertSame('default', $letter['original_connection']);
        $this->assertSame('DomainException', $letter['failure_exception']);
        $this->assertSame('still down', $letter['failure_message']);
        $this->assertStringContainsString('QueueTest', $letter['failure_trace']);
        $this->assertEqualsWithDelta(microtime(true), $letter['failed_at'], 60);
        $this->assertSame(['to' => 'ada'], $letter['payload']['data']);

        $failed = $queue->failed()->find($id);
        $this->assertSame('DomainException', $failed['exception']);
        $this->assertSame('mail', $failed['queue']);
        $this->assertSame(2, $failed['payload']['attempts']);
        $this->assertSizes($queue, 0, 0, 0, 1);
        $this->assertNull($queue->pop(0.2));
        $client->close();
    }

    public function testBackoffDelaysAreNoShorterThanConfigured(): void
    {
        $queue = $this->client->queue('default');
        $queue->push('Backoff', null, ['tries' => 3, 'backoff' => [1, 2]]);
        $job = $this->popJob($queue);
        $failedAt = microtime(true);
        $this->assertSame(1.0, $job->error(new \RuntimeException('first'))['delay']);
        $this->assertSizes($queue, 0, 0, 1, 0);

        $job = $this->popJob($queue, 5.0);
        $this->assertGreaterThanOrEqual(1.0, microtime(true) - $failedAt);
        $failedAt = microtime(true);
        $this->assertSame(2.0, $job->error(new \RuntimeException('second'))['delay']);

        $job = $this->popJob($queue, 6.0);
        $this->assertGreaterThanOrEqual(2.0, microtime(true) - $failedAt);
        $this->assertSame(3, $job->attempts());
        $this->assertSame('processed', $job->complete()['event']);
    }

    public function testReleaseAndFail(): void
    {
        $queue = $this->client->queue('default');
        $queue->push('Release', 'x', ['tries' => 5]);
        $job = $this->popJob($queue);
        $this->assertSame('released', $job->release(0)['event']);
        $job = $this->popJob($queue);
        $this->assertSame(2, $job->attempts());
        $this->assertSame('x', $job->getPayload());
        $job->complete();

        $id = $queue->push('Doomed', null, ['tries' => 5]);
        $event = $this->popJob($queue)->fail(new \LogicException('customer gone'));
        $this->assertSame('failed', $event['event']);
        $failed = $queue->failed()->find($id);
        $this->assertSame('JobFailed', $failed['exception']);
        $this->assertSame('LogicException: customer gone', $failed['message']);
        $this->assertSizes($queue, 0, 0, 0, 1);
    }

    public function testMetricsCountAKnownWorkloadExactly(): void
    {
        $queue = $this->client->queue('metered');
        [$n, $k] = [3, 2];
        for ($i = 0; $i < $n; $i++) {
            $queue->push('Send', $i);
        }
        for ($i = 0; $i < $k; $i++) {
            $queue->push('Boom', $i, ['tries' => 1]);
        }
        for ($i = 0; $i < $n + $k; $i++) {
            $job = $this->popJob($queue);
            $job->getName() === 'Send' ? $job->complete() : $job->fail('boom');
        }
        $lines = explode("\n", $this->client->metrics());
        $labels = 'messaging_system="nats",messaging_destination_name="metered",job_name=';
        foreach ([
            "natskit_queue_jobs_pushed_total{{$labels}\"Send\"} {$n}",
            "natskit_queue_jobs_processed_total{{$labels}\"Send\"} {$n}",
            "natskit_queue_jobs_failed_total{{$labels}\"Boom\"} {$k}",
            "natskit_queue_jobs_failed_total{{$labels}\"Send\"} 0",
            "messaging_process_duration_seconds_count{{$labels}\"Boom\"} {$k}",
            "natskit_queue_job_wait_seconds_count{{$labels}\"Send\"} {$n}",
        ] as $line) {
            $this->assertContains($line, $lines);
        }
        $this->assertContains('nats_client_connection_state{messaging_system="nats",state="connected"} 1', $lines);
    }

    public function testDelayedJobIsInvisibleUntilItsTime(): void
    {
        $queue = $this->client->queue('default');
        $pushedAt = microtime(true);
        $id = $queue->later(1.5, 'Remind', ['user' => 1]);
        $this->assertSizes($queue, 0, 0, 1, 0);
        $this->assertSame(1, $queue->size());
        $this->assertNull($queue->pop(0.0));
        $job = $this->popJob($queue, 6.0);
        $this->assertGreaterThanOrEqual(1.5, microtime(true) - $pushedAt);
        $this->assertSame($id, $job->getJobId());
        $job->complete();

        $queue->later(new \DateTimeImmutable('+1 second'), 'Remind', ['user' => 2]);
        $this->assertSizes($queue, 0, 0, 1, 0);
        $this->assertSame(['user' => 2], $this->popJob($queue, 6.0)->getPayload());
    }

    public function testUniqueJobsAndRefusePolicy(): void
    {
        $queue = $this->client->queue('default');
        $first = $queue->push('Unique', null, ['uniqueKey' => 'order-7']);
        $this->assertNull($queue->push('Unique', null, ['uniqueKey' => 'order-7']));
        $this->assertSizes($queue, 1, 0, 0, 0);
        $job = $this->popJob($queue);
        $this->assertNull($queue->push('Unique', null, ['uniqueKey' => 'order-7']), 'refused while running');
        $job->complete();
        $this->assertNotSame($first, $queue->push('Unique', null, ['uniqueKey' => 'order-7']));
        $this->assertSame(1, $queue->clear());

        $client = $this->connectQueues(['unique' => 'refuse']);
        $strict = $client->queue('default');
        $strict->push('Unique', null, ['unique' => 'k']);
        try {
            $strict->push('Unique', null, ['unique' => 'k']);
            $this->fail('the second push must be refused');
        } catch (QueueException $e) {
            $this->assertSame(ErrorCode::QUEUE, $e->getCode());
        }
        $client->close();
    }

    public function testFailedStoreListRetryForgetFlush(): void
    {
        $queue = $this->client->queue('default');
        $other = $this->client->queue('other');
        $ids = [];
        foreach ([$queue, $queue, $other] as $q) {
            $ids[] = $q->push('Broken', ['n' => count($ids)]);
            $this->popJob($q)->error(new \RuntimeException('broken'));
        }
        $failed = $queue->failed();
        $this->assertSame([$ids[0], $ids[1]], array_column($failed->all('default'), 'id'));
        $this->assertEqualsCanonicalizing($ids, array_column($failed->all(), 'id'));

        $this->assertSame([$ids[0]], $failed->retry($ids[0]));
        try {
            $failed->retry(['missing']);
            $this->fail('an unknown id is NOT_FOUND');
        } catch (NotFoundException $e) {
            $this->assertSame(ErrorCode::NOT_FOUND, $e->getCode());
        }
        $this->assertSizes($queue, 1, 0, 0, 1);
        $job = $this->popJob($queue);
        $this->assertSame([$ids[0], 1, ['n' => 0]], [$job->getJobId(), $job->attempts(), $job->getPayload()]);
        $job->complete();

        $this->assertTrue($failed->forget($ids[1]));
        $this->assertFalse($failed->forget($ids[1]));
        $this->assertSame(0, $failed->flush(1.0));
        $this->assertSame([$ids[2]], $failed->retry('all'));
        $this->popJob($other)->error(new \RuntimeException('again'));
        $this->assertSame(1, $failed->flush());
        $this->assertSame([], $failed->all());
    }

    public function testWorkerRunsHandlersWithHooksInPriorityOrder(): void
    {
        $low = $this->client->queue('default');
        $high = $this->client->queue('high');
        $low->push('ProcessOrder', ['id' => 1]);
        $low->push('Explode', ['id' => 2], ['tries' => 2]);
        $low->push('GiveUp', ['id' => 3]);
        $low->push('Unknown', ['id' => 4]);
        $high->push('ProcessOrder', ['id' => 0]);

        $seen = [];
        $events = [];
        $failedHook = [];
        $worker = $this->client->worker(['queues' => 'high,default', 'sleep' => 0.5, 'stop_when_empty' => true]);
        $worker
            ->handle('ProcessOrder', function (Job $job) use (&$seen): void {
                $seen[] = $job->getPayload()['id'];
            })
            ->handle('Explode', function (Job $job): void {
                throw new \UnexpectedValueException("attempt {$job->attempts()}");
            }, function (Job $job, \Throwable $e) use (&$failedHook): void {
                $failedHook[] = [$job->getName(), get_class($e), $e->getMessage()];
            })
            ->handle('GiveUp', fn (Job $job) => $job->fail('not today'))
            ->failed('GiveUp', function (Job $job, \Throwable $e) use (&$failedHook): void {
                $failedHook[] = [$job->getName(), get_class($e), $e->getMessage()];
            });
        foreach (['processing', 'processed', 'released', 'exception', 'failed'] as $name) {
            $worker->on($name, function (Job $job) use (&$events, $name): void {
                $events[] = "{$name}:{$job->getName()}";
            });
        }
        $retries = [];
        $worker->on('released', function (Job $job, array $event) use (&$retries): void {
            $retries[] = [$event['event'], $event['hook'], $event['id'] === $job->getJobId()];
        });
        try {
            $worker->on('retrying', fn () => null);
            $this->fail('retrying is an event, heard by the released hook');
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString('`released` hears `retrying`', $e->getMessage());
        }

        $this->assertSame('empty', $worker->run());
        $this->assertSame([0, 1], $seen, 'high first');
        $this->assertSame([
            ['GiveUp', QueueException::class, 'not today'],
            ['Explode', 'UnexpectedValueException', 'attempt 2'],
        ], $failedHook);
        $this->assertSame([
            'processing:ProcessOrder', 'processed:ProcessOrder',
            'processing:ProcessOrder', 'processed:ProcessOrder',
            'processing:Explode', 'exception:Explode', 'released:Explode',
            'processing:GiveUp', 'failed:GiveUp',
            'processing:Unknown', 'failed:Unknown',
            'processing:Explode', 'exception:Explode', 'failed:Explode',
        ], $events);
        $this->assertSame([['retrying', 'released', true]], $retries);
        $this->assertSame(['jobs' => 6, 'processed' => 2, 'retried' => 1, 'failed' => 3], $worker->stats());
        $this->assertSizes($low, 0, 0, 0, 3);
    }

    public function testAHandlerPastItsTimeoutIsAFailedAttempt(): void
    {
        $queue = $this->client->queue('slow');
        $id = $queue->push('Sleepy', null, ['tries' => 1, 'timeout' => 0.2]);
        $worker = $this->client->worker(['queues' => ['slow'], 'once' => true, 'sleep' => 0.5]);
        $ran = false;
        $worker->handle('Sleepy', function () use (&$ran): void {
            usleep(400_000);
            $ran = true;
        });
        $this->assertSame('once', $worker->run());
        $this->assertTrue($ran);
        $failed = $queue->failed()->find($id);
        $this->assertSame('TimeoutExceeded', $failed['exception']);
        $this->assertSizes($queue, 0, 0, 0, 1);
    }

    public function testWorkerMaxJobsAndOnce(): void
    {
        $queue = $this->client->queue('default');
        foreach (range(1, 3) as $i) {
            $queue->push('Count', $i);
        }
        $done = [];
        $worker = $this->client->worker(['max-jobs' => 2, 'sleep' => 0.5]);
        $worker->handle('*', function (Job $job) use (&$done): void {
            $done[] = $job->getPayload();
        });
        $this->assertSame('max_jobs', $worker->run());
        $this->assertSame([1, 2], $done);

        $once = $this->client->worker(['once' => true, 'sleep' => 0.5]);
        $once->handle('Count', function (Job $job) use (&$done): void {
            $done[] = $job->getPayload();
        });
        $this->assertSame('once', $once->run());
        $this->assertSame([1, 2, 3], $done);
        $this->assertSizes($queue, 0, 0, 0, 0);

        // The worker measures this process (2 MB at least): past a 1 MB limit it stops after a job.
        $queue->push('Count', 4);
        $queue->push('Count', 5);
        $lean = $this->client->worker(['memory' => 1, 'sleep' => 0.5]);
        $lean->handle('*', function (Job $job) use (&$done): void {
            $done[] = $job->getPayload();
        });
        $this->assertSame('memory', $lean->run());
        $this->assertSame([1, 2, 3, 4], $done);
        $queue->clear();

        try {
            $this->client->worker(['queue' => 'default']);
            $this->fail('the option is queues');
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString('queue', $e->getMessage());
        }
        $this->expectException(InvalidArgumentException::class);
        $this->client->worker(['concurrency' => 4]);
    }

    public function testAPerQueueStreamTakesMigratedJobsAndItsWorkerRunsThem(): void
    {
        $old = $this->client->queue('moved');
        $old->push('Count', 1);
        $old->later(3600, 'Count', 2);
        $queue = $this->options['queue'];
        $own = Client::connect(['servers' => static::$server->url(), 'queue' => [
            'streams' => 'per-queue',
            'per_queue_prefix' => 'own' . $queue['subject_prefix'],
            'queues' => ['wide' => ['partitions' => 3]],
        ] + $queue]);
        $moved = $own->queue('moved')->migrate();
        $this->assertSame([1, 1, 0], [$moved['ready'], $moved['delayed'], $moved['reserved']]);
        $this->assertSame("{$queue['stream']}_moved", $moved['stream']);
        $placement = $own->queue('moved')->placement();
        $this->assertSame(['per-queue', "{$queue['stream']}_moved", 1],
            [$placement['layout'], $placement['stream'], $placement['replicas']]);
        $this->assertSizes($old, 0, 0, 0, 0);
        $own->queue('moved')->push('Count', 3);

        $done = [];
        $worker = $own->worker(['queues' => ['moved'], 'max-jobs' => 2, 'sleep' => 0.5]);
        $worker->handle('*', function (Job $job) use (&$done): void {
            $done[] = $job->getPayload();
        });
        $this->assertSame('max_jobs', $worker->run());
        $this->assertSame([1, 3], $done);
        $this->assertSizes($own->queue('moved'), 0, 0, 1, 0);

        // A partitioned queue: three streams, and the worker takes jobs from every one.
        $wide = $own->queue('wide');
        foreach (['a', 'b', 'c', 'd', 'e', 'f'] as $key) {
            $wide->push('Count', $key, ['partitionKey' => $key]);
        }
        $this->assertSizes($wide, 6, 0, 0, 0);
        $streams = array_column($wide->placement()['partitions'], 'stream');
        $this->assertSame(["{$queue['stream']}_wide~0", "{$queue['stream']}_wide~1", "{$queue['stream']}_wide~2"], $streams);
        $done = [];
        $worker = $own->worker(['queues' => ['wide'], 'max-jobs' => 6, 'sleep' => 0.5]);
        $worker->handle('*', function (Job $job) use (&$done): void {
            $done[] = $job->getPayload();
        });
        $this->assertSame('max_jobs', $worker->run());
        sort($done);
        $this->assertSame(['a', 'b', 'c', 'd', 'e', 'f'], $done);
    }

    public function testSigtermStopsTheWorkerGracefully(): void
    {
        if (!function_exists('pcntl_signal')) {
            $this->markTestSkipped('pcntl is not loaded');
        }
        $queue = $this->client->queue('default');
        $first = $queue->push('Slow', null);
        $queue->push('Slow', null);
        [$process, $out] = $this->spawn([
            PHP_BINARY, '-d', 'ffi.enable=1', __DIR__ . '/fixtures/worker.php', json_encode($this->options), '1.0',
        ]);
        $this->assertSame("took {$first}\n", fgets($out));
        proc_terminate($process, SIGTERM);
        $last = fgets($out);
        $this->assertSame("stopped requested {\"jobs\":1,\"processed\":1,\"retried\":0,\"failed\":0}\n", $last);
        $this->assertSame(0, proc_close($process));
        $this->assertSizes($queue, 1, 0, 0, 0);
    }
}
