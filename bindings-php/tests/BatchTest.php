<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ClosedException;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\InvalidSubjectException;
use NatsKit\Exception\PayloadTooLargeException;
use NatsKit\JetStream\ConsumerConfig;
use NatsKit\JetStream\StreamConfig;

/** publishMany() and ackMany(): one call into the library per batch, order kept, bad batches sent whole or not at all. */
final class BatchTest extends ServerTestCase
{
    protected static function serverOptions(): array
    {
        return ['jetstream' => true];
    }

    /** @return list<string> the payloads of `$count` messages taken from `$sub` */
    private function take(\NatsKit\Subscription $sub, int $count): array
    {
        $got = [];
        for ($i = 0; $i < $count; $i++) {
            $msg = $sub->next(5.0);
            $this->assertNotNull($msg, "message {$i} of {$count} did not arrive");
            $got[] = $msg->getPayload();
        }
        $this->assertNull($sub->next(0.1), 'no message arrives twice');
        return $got;
    }

    public function testPublishManyKeepsOrderBesidePublish(): void
    {
        $sub = $this->client->subscribe('many.x');
        $this->client->flush();
        $first = array_map(fn (int $i) => "m-{$i}", range(0, 499));
        $this->client->publishMany('many.x', $first);
        $this->client->publish('many.x', 'm-500');
        $this->client->publishMany('many.x', [['id' => 501], '', 'm-503']);
        $this->client->publishMany('many.x', []);
        $this->client->flush();
        $this->assertSame([...$first, 'm-500', '{"id":501}', '', 'm-503'], $this->take($sub, 504));
    }

    public function testABadBatchSendsNothing(): void
    {
        $sub = $this->client->subscribe('bad.>');
        $this->client->flush();
        try {
            $this->client->publishMany('bad.*', ['a', 'b']);
            $this->fail('a wildcard subject is refused');
        } catch (InvalidSubjectException $e) {
            $this->assertStringContainsString('bad.*', $e->getMessage());
        }
        $tooBig = str_repeat('x', 2 * 1024 * 1024);
        try {
            $this->client->publishMany('bad.big', ['a', 'b', $tooBig]);
            $this->fail('an oversize payload is refused');
        } catch (PayloadTooLargeException $e) {
            $this->assertStringContainsString('message 2', $e->getMessage());
        }
        $this->client->flush();
        $this->assertNull($sub->next(0.2), 'nothing of a refused batch is sent');
    }

    public function testPublishedBeforeCloseArriveFromAProcessThatExitsAtOnce(): void
    {
        $sub = $this->client->subscribe('exit.x');
        $this->client->flush();
        $script = sprintf(
            'require %s; $c = NatsKit\Client::connect(%s); for ($i = 0; $i < 5000; $i++) { $c->publish("exit.x", "e-$i"); } '
            . '$c->publishMany("exit.x", array_map(fn ($i) => "e-$i", range(5000, 9999))); $c->close(); exit(0);',
            var_export(dirname(__DIR__) . '/src/autoload.php', true),
            var_export(static::$server->url(), true),
        );
        $process = proc_open([PHP_BINARY, '-d', 'ffi.enable=1', '-r', $script], [2 => STDERR], $pipes);
        $this->assertIsResource($process);
        $this->assertSame(0, proc_close($process));
        $this->assertSame(array_map(fn (int $i) => "e-{$i}", range(0, 9999)), $this->take($sub, 10000));
    }

    public function testAClosedClientRefusesABatch(): void
    {
        $client = Client::connect(static::$server->url());
        $client->close();
        $this->expectException(ClosedException::class);
        $client->publishMany('closed.x', ['a']);
    }

    public function testFetchThenAckManyAcksEveryMessage(): void
    {
        $js = $this->client->jetstream();
        $js->createStream((new StreamConfig('ACKS', ['acks.>']))->withStorage(StreamConfig::STORAGE_MEMORY));
        $js->createConsumer('ACKS', (new ConsumerConfig('c'))->withAckPolicy(ConsumerConfig::ACK_EXPLICIT)->withAckWait(60));
        $this->client->publishMany('acks.x', array_map(fn (int $i) => "a-{$i}", range(0, 99)));
        $batch = [];
        while (count($batch) < 100) {
            $batch = [...$batch, ...$js->fetch('ACKS', 'c', 100 - count($batch), 5.0)];
        }
        $this->assertSame(array_map(fn (int $i) => "a-{$i}", range(0, 99)), array_map(fn ($m) => $m->getPayload(), $batch));
        $this->assertSame(1, $batch[0]->getStreamSequence());
        $js->ackMany([]);
        $js->ackMany($batch);
        for ($waited = 0; $js->getConsumerInfo('ACKS', 'c')->getNumAckPending() > 0; $waited++) {
            $this->assertLessThan(200, $waited, 'the acks reach the server');
            usleep(25_000);
        }
        $this->assertSame([], $js->fetch('ACKS', 'c', 1, 0.0));
    }

    public function testPublishManyOverTheLimitIsInvalid(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->client->publishMany('limit.x', array_fill(0, (1 << 20) + 1, ''));
    }
}
