<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ClosedException;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\JetStreamException;
use NatsKit\Exception\JetStreamNotEnabledException;
use NatsKit\Exception\NotFoundException;
use NatsKit\JetStream;
use NatsKit\JetStream\ConsumerConfig;
use NatsKit\JetStream\JetStreamMessage;
use NatsKit\JetStream\StreamConfig;
use NatsKit\LocalServer;

/** JetStream from PHP against a real nats-server. */
final class JetStreamTest extends ServerTestCase
{
    private JetStream $js;

    protected static function serverOptions(): array
    {
        return ['jetstream' => true];
    }

    protected function setUp(): void
    {
        parent::setUp();
        $this->js = $this->client->jetstream();
    }

    protected function tearDown(): void
    {
        foreach ($this->js->streamNames() as $name) {
            $this->js->deleteStream($name);
        }
        parent::tearDown();
    }

    /** Polls a consumer's counters (they settle shortly after acks) until they match. */
    private function assertCounters(string $stream, string $consumer, array $expected): void
    {
        $deadline = microtime(true) + 5;
        do {
            $info = $this->js->getConsumerInfo($stream, $consumer);
            $got = [$info->getNumPending(), $info->getNumAckPending(), $info->getNumWaiting()];
            if ($got === $expected) {
                break;
            }
            usleep(25_000);
        } while (microtime(true) < $deadline);
        $this->assertSame($expected, $got, '[num_pending, num_ack_pending, num_waiting]');
    }

    public function testStreamConfigAndInfoRoundTrip(): void
    {
        $this->assertTrue($this->js->isAvailable());
        $config = (new StreamConfig('ORDERS', ['orders.>']))
            ->withDescription('Event stream')
            ->withMaxMessages(10000)
            ->withMaxBytes(104857600)
            ->withMaxAge(3600)
            ->withStorage(StreamConfig::STORAGE_MEMORY)
            ->withRetention(StreamConfig::RETENTION_LIMITS)
            ->withDuplicateWindow(60);
        $info = $this->js->createStream($config);
        $this->assertSame('ORDERS', $info->getName());
        $back = $info->getConfig();
        $this->assertSame(10000, $back->get('max_msgs'));
        $this->assertSame(104857600, $back->get('max_bytes'));
        $this->assertSame(3600.0, $back->get('max_age'));
        $this->assertSame(60.0, $back->get('duplicate_window'));
        $this->assertSame('memory', $back->get('storage'));
        $this->assertSame(['orders.>'], $back->getSubjects());
        $this->assertNull($config->get('num_replicas'), 'with…() returns a copy');

        $updated = $this->js->updateStream($config->withMaxMessages(20000)->withDescription('v2'));
        $this->assertSame(20000, $updated->getConfig()->get('max_msgs'));
        $this->assertSame('v2', $this->js->getStreamInfo('ORDERS')->getConfig()->get('description'));
        // The server's own config (with `metadata: {}` and `consumer_limits: {}`) goes back as it came.
        $current = $this->js->getStreamInfo('ORDERS')->getConfig();
        $this->assertSame(30000, $this->js->updateStream($current->withMaxMessages(30000))->getConfig()->get('max_msgs'));

        foreach (range(1, 5) as $i) {
            $this->js->publish($i <= 3 ? 'orders.new' : 'orders.paid', ['n' => $i]);
        }
        $info = $this->js->getStreamInfo('ORDERS');
        $this->assertSame([5, 1, 5], [$info->getMessageCount(), $info->getFirstSequence(), $info->getLastSequence()]);
        $this->assertGreaterThan(0, $info->getByteCount());

        $message = $this->js->getMessage('ORDERS', 2);
        $this->assertSame(['orders.new', 2, ['n' => 2]], [$message->getSubject(), $message->getSequence(), $message->getDecodedPayload()]);
        $this->assertSame(5, $this->js->getLastMessage('ORDERS', 'orders.paid')->getSequence());
        $this->js->deleteMessage('ORDERS', 2);
        try {
            $this->js->getMessage('ORDERS', 2);
            $this->fail('a deleted message is NOT_FOUND');
        } catch (NotFoundException $e) {
            $this->assertSame(ErrorCode::NOT_FOUND, $e->getCode());
        }
        $this->assertSame(1, $this->js->purgeStream('ORDERS', subject: 'orders.new', keep: 1));
        $this->assertSame(3, $this->js->purgeStream('ORDERS'));
        $this->assertSame(0, $this->js->getStreamInfo('ORDERS')->getMessageCount());

        $this->js->deleteStream('ORDERS');
        try {
            $this->js->getStreamInfo('ORDERS');
            $this->fail('a deleted stream is NOT_FOUND');
        } catch (NotFoundException $e) {
            $this->assertStringContainsString('10059', $e->getMessage());
            $this->assertSame(10059, $e->getServerCode());
        }
    }

    public function testHealthReportsWhatIsMissingAndWhatLags(): void
    {
        $this->js->createStream((new StreamConfig('HEALTH', ['health.>']))->withStorage(StreamConfig::STORAGE_MEMORY));
        $this->js->createConsumer('HEALTH', new ConsumerConfig('reader'));
        foreach ([1, 2, 3] as $i) {
            $this->js->publish('health.x', $i);
        }
        $ok = $this->client->health();
        $this->assertSame(['OK', 0], [$ok['status'], $ok['code']]);
        $this->assertSame('connection', $ok['checks'][0]['name']);
        $this->assertLessThan(1.0, $ok['checks'][0]['rtt'], 'seconds, as every PHP duration');

        $missing = $this->client->health(['streams' => ['HEALTH', 'GONE'], 'rtt' => ['crit' => 60]]);
        $this->assertSame(['CRITICAL', 2], [$missing['status'], $missing['code']]);
        $byName = array_column($missing['checks'], 'status', 'name');
        $this->assertSame(['OK', 'CRITICAL'], [$byName['stream:HEALTH'], $byName['stream:GONE']]);

        $lagging = $this->client->health(['consumers' => ['HEALTH:reader'], 'lag' => ['warn' => 2]]);
        $this->assertSame('WARNING', $lagging['status']);
        $this->assertSame(3, array_column($lagging['checks'], 'lag', 'name')['consumer:HEALTH:reader']);

        $this->expectException(InvalidArgumentException::class);
        $this->client->health(['consumers' => ['no-colon']]);
    }

    public function testStreamNameInUseCarriesTheServerCode(): void
    {
        $this->js->createStream((new StreamConfig('TAKEN', ['taken.a']))->withStorage(StreamConfig::STORAGE_MEMORY));
        try {
            $this->js->createStream((new StreamConfig('TAKEN', ['taken.b']))->withStorage(StreamConfig::STORAGE_MEMORY));
            $this->fail('a stream name in use with another config is a JetStream error');
        } catch (JetStreamException $e) {
            $this->assertSame(ErrorCode::JETSTREAM, $e->getCode());
            $this->assertSame(10058, $e->getServerCode());
        } finally {
            $this->js->deleteStream('TAKEN');
        }
    }

    public function testListStreamsPages(): void
    {
        foreach (range(0, 2) as $i) {
            $this->js->createStream((new StreamConfig("LIST_{$i}", ["list.{$i}"]))->withStorage(StreamConfig::STORAGE_MEMORY));
        }
        $page = $this->js->listStreams();
        $this->assertSame(3, $page['total']);
        $this->assertSame(['LIST_0', 'LIST_1', 'LIST_2'], array_map(fn ($s) => $s->getName(), $page['streams']));
        $rest = $this->js->listStreams(2);
        $this->assertSame(2, $rest['offset']);
        $this->assertCount(1, $rest['streams']);
        $this->assertSame(['LIST_1'], $this->js->streamNames('list.1'));
    }

    public function testPublishDedupAndExpectedLastSequence(): void
    {
        $this->js->createStream((new StreamConfig('PUB', ['pub.>']))->withStorage(StreamConfig::STORAGE_MEMORY));
        $ack = $this->js->publish('pub.a', 'x', ['msg_id' => 'm-1', 'headers' => ['X-K' => 'v']]);
        $this->assertSame(['stream' => 'PUB', 'sequence' => 1, 'duplicate' => false, 'domain' => null], $ack);
        $this->assertTrue($this->js->publish('pub.a', 'x', ['msg_id' => 'm-1'])['duplicate']);
        $this->assertSame(2, $this->js->publish('pub.a', 'y', ['expected_last_seq' => 1])['sequence']);
        try {
            $this->js->publish('pub.a', 'z', ['expected_last_seq' => 1]);
            $this->fail('a wrong expected last sequence is refused');
        } catch (JetStreamException $e) {
            $this->assertSame(ErrorCode::JETSTREAM, $e->getCode());
            $this->assertStringContainsString('10071', $e->getMessage());
        }
        $headers = $this->js->getMessage('PUB', 1)->getHeaders();
        $this->assertSame([['v'], ['m-1']], [$headers['X-K'], $headers['Nats-Msg-Id']]);
        $this->assertSame(2, $this->js->getStreamInfo('PUB')->getMessageCount());
    }

    public function testConsumersFetchAcksNakAndTerm(): void
    {
        $this->js->createStream((new StreamConfig('WORK', ['work.>']))->withStorage(StreamConfig::STORAGE_MEMORY));
        foreach (range(1, 5) as $i) {
            $this->js->publish('work.a', "job-{$i}");
        }
        $config = (new ConsumerConfig('w'))
            ->withFilterSubject('work.>')
            ->withDeliverPolicy(ConsumerConfig::DELIVER_ALL)
            ->withAckPolicy(ConsumerConfig::ACK_EXPLICIT)
            ->withAckWait(30)
            ->withMaxDeliver(5);
        $info = $this->js->createConsumer('WORK', 'w', $config);
        $this->assertSame('w', $info->getName());
        $this->assertSame(30.0, $info->getConfig()->get('ack_wait'));
        $this->assertSame(5, $info->getNumPending());

        $first = $this->js->fetchNextMessage('WORK', 'w', timeout: 2.0);
        $this->assertInstanceOf(JetStreamMessage::class, $first);
        $meta = $first->getMetadata();
        $this->assertSame(['WORK', 'w', 1, 1, 4], [$meta['stream'], $meta['consumer'], $meta['stream_seq'], $meta['delivered'], $meta['pending']]);
        $this->assertSame('job-1', $first->getPayload());
        $this->js->ack($first);

        $batch = $this->js->fetch('WORK', 'w', 3, 2.0);
        $this->assertSame(['job-2', 'job-3', 'job-4'], array_map(fn ($m) => $m->getPayload(), $batch));
        $this->js->inProgress($batch[0]);
        $batch[0]->doubleAck();
        $this->js->term($batch[1], 'bad input');
        $nakedAt = microtime(true);
        $this->js->nak($batch[2], 1.0);
        $this->assertCounters('WORK', 'w', [1, 1, 0]);

        $fifth = $this->js->fetchNextMessage('WORK', 'w', timeout: 2.0);
        $this->assertSame('job-5', $fifth->getPayload());
        $this->js->ack($fifth);
        $again = $this->js->fetchNextMessage('WORK', 'w', timeout: 5.0);
        $this->assertGreaterThanOrEqual(1.0, microtime(true) - $nakedAt);
        $this->assertSame(['job-4', 2], [$again->getPayload(), $again->getDeliveryCount()]);
        $this->js->ack($again);

        $this->assertNull($this->js->fetchNextMessage('WORK', 'w', timeout: 0.3), 'job-3 was terminated');
        $startedAt = microtime(true);
        $this->assertNull($this->js->fetchNextMessage('WORK', 'w', timeout: 0));
        $this->assertLessThan(1.0, microtime(true) - $startedAt, '0 = no wait');
        $this->assertCounters('WORK', 'w', [0, 0, 0]);

        $this->assertTrue($this->js->pauseConsumer('WORK', 'w', new \DateTimeImmutable('+1 day'))['paused']);
        $this->assertTrue($this->js->getConsumerInfo('WORK', 'w')->isPaused());
        $this->assertFalse($this->js->resumeConsumer('WORK', 'w')['paused']);

        $this->js->createConsumer('WORK', new ConsumerConfig('other'));
        $page = $this->js->listConsumers('WORK');
        $this->assertSame(2, $page['total']);
        $this->assertEqualsCanonicalizing(['w', 'other'], array_map(fn ($c) => $c->getName(), $page['consumers']));
        $this->assertSame(2, $this->js->getStreamInfo('WORK')->getConsumerCount());
        $this->js->deleteConsumer('WORK', 'other');
        try {
            $this->js->getConsumerInfo('WORK', 'other');
            $this->fail('a deleted consumer is NOT_FOUND');
        } catch (NotFoundException $e) {
            $this->assertStringContainsString('10014', $e->getMessage());
        }
    }

    public function testKeyValue(): void
    {
        $kv = $this->js->createKeyValue('settings', ['history' => 5, 'storage' => 'memory']);
        $this->assertSame(1, $kv->put('color', 'red'));
        $this->assertSame(2, $kv->update('color', 'blue', 1));
        try {
            $kv->update('color', 'green', 1);
            $this->fail('a stale revision is refused');
        } catch (JetStreamException $e) {
            $this->assertSame(ErrorCode::JETSTREAM, $e->getCode());
        }
        $this->assertSame(3, $kv->create('size', "L\0binary"));
        $this->expectExceptionOnCreate($kv);
        $entry = $kv->get('color');
        $this->assertSame(['blue', 2, 'PUT'], [$entry['value'], $entry['revision'], $entry['operation']]);
        $this->assertSame("L\0binary", $kv->get('size')['value']);
        $this->assertEqualsCanonicalizing(['color', 'size'], $kv->keys());
        $kv->delete('color');
        $this->assertNull($kv->get('color'));
        $this->assertSame(['red', 'blue', ''], array_column($kv->history('color'), 'value'));
        $this->assertSame(['PUT', 'PUT', 'DEL'], array_column($kv->history('color'), 'operation'));
        $kv->purge('size');
        $this->assertSame([], $kv->keys());
        $this->assertSame('settings', $this->js->keyValue('settings')->getBucket());
        $this->js->deleteKeyValue('settings');
        $this->expectException(NotFoundException::class);
        $this->js->keyValue('settings');
    }

    public function testConsumeDeliversInOrderUntilStopped(): void
    {
        $this->js->createStream((new StreamConfig('LIVE', ['live.>']))->withStorage(StreamConfig::STORAGE_MEMORY));
        $this->js->createConsumer('LIVE', 'l', (new ConsumerConfig('l'))->withAckPolicy(ConsumerConfig::ACK_EXPLICIT));
        foreach (range(1, 3) as $i) {
            $this->js->publish('live.a', "m-{$i}");
        }
        $messages = $this->js->consume('LIVE', 'l', ['batch' => 2, 'expires' => 1.0]);
        $seen = [];
        foreach (range(1, 3) as $_) {
            $message = $messages->next(3.0);
            $this->assertInstanceOf(JetStreamMessage::class, $message);
            $seen[] = $message->getPayload();
            $message->ack();
        }
        $started = microtime(true);
        $this->assertNull($messages->next(0.3));
        $this->assertGreaterThanOrEqual(0.25, microtime(true) - $started);
        $this->assertNull($messages->next());
        foreach (range(4, 5) as $i) {
            $this->js->publish('live.b', "m-{$i}");
        }
        foreach (range(4, 5) as $_) {
            $message = $messages->next(3.0);
            $this->assertNotNull($message);
            $seen[] = $message->getPayload();
            $this->assertSame('l', $message->getMetadata()['consumer']);
            $message->ack();
        }
        $this->assertSame(['m-1', 'm-2', 'm-3', 'm-4', 'm-5'], $seen);
        $messages->stop();
        try {
            $messages->next(0.1);
            $this->fail('next after stop must throw');
        } catch (ClosedException $e) {
            $this->assertSame(ErrorCode::CLOSED, $e->getCode());
        }
        // Acked, and no pull left waiting once the last one expired.
        $this->assertCounters('LIVE', 'l', [0, 0, 0]);

        foreach ([['batch' => 0], ['batch' => 1.5], ['expires' => -1], ['max' => 3]] as $bad) {
            try {
                $this->js->consume('LIVE', 'l', $bad);
                $this->fail('bad options must throw: ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertSame(ErrorCode::INVALID_ARGUMENT, $e->getCode());
            }
        }
        $this->expectException(NotFoundException::class);
        $this->js->consume('LIVE', 'missing');
    }

    public function testKeyValueWatchGivesCurrentValuesThenChanges(): void
    {
        $kv = $this->js->createKeyValue('phpwatch', ['history' => 5, 'storage' => 'memory']);
        $kv->put('color', 'red');
        $kv->put('color', 'blue');
        $kv->put('size', 'L');
        $kv->delete('size');
        $watch = $kv->watch('>');
        $this->assertFalse($watch->initialDone());
        $this->assertSame(['color=blue', 'size:DEL'], self::drain($watch));
        $this->assertTrue($watch->initialDone());
        $this->assertSame(['color=red', 'color=blue', 'size=L', 'size:DEL'], self::drain($kv->watch('>', ['include_history' => true])));
        $this->assertSame(['color=blue'], self::drain($kv->watch('>', ['ignore_deletes' => true])));
        $this->assertSame(['color=blue'], self::drain($kv->watch('color')));
        $updates = $kv->watch('>', ['updates_only' => true]);
        $this->assertTrue($updates->initialDone());
        $this->assertNull($updates->next(0.3));
        $kv->put('size', 'M');
        $kv->purge('color');
        $this->assertSame(['size=M', 'color:PURGE'], self::drain($updates));
        foreach ([['include_history' => true, 'updates_only' => true], ['history' => true], [true]] as $bad) {
            try {
                $kv->watch('>', $bad);
                $this->fail('refused: ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertSame(ErrorCode::INVALID_ARGUMENT, $e->getCode());
            }
        }
        $watch->stop();
        $this->expectException(ClosedException::class);
        $watch->next(0.1);
    }

    /** @return list<string> entries until 0.3 s pass with none, as `key=value` or `key:OP` */
    private static function drain(JetStream\KeyValueWatch $watch): array
    {
        $seen = [];
        while (($e = $watch->next(0.3)) !== null) {
            $seen[] = $e['operation'] === 'PUT' ? "{$e['key']}={$e['value']}" : "{$e['key']}:{$e['operation']}";
        }
        return $seen;
    }

    private function expectExceptionOnCreate(JetStream\KeyValue $kv): void
    {
        try {
            $kv->create('size', 'again');
            $this->fail('create refuses an existing key');
        } catch (JetStreamException $e) {
            $this->assertSame(ErrorCode::JETSTREAM, $e->getCode());
        }
    }

    public function testWithoutJetStream(): void
    {
        $plain = new LocalServer(['jetstream' => false]);
        $client = Client::connect($plain->url());
        $js = $client->jetstream();
        $this->assertFalse($js->isAvailable());
        try {
            $js->getAccountInfo();
            $this->fail('no JetStream, no account info');
        } catch (JetStreamNotEnabledException $e) {
            $this->assertSame(ErrorCode::JETSTREAM_NOT_ENABLED, $e->getCode());
        }
        $client->close();
        $plain->stop();
        $this->assertArrayHasKey('streams', $this->js->getAccountInfo());
    }

    public function testDurationsAreSecondsAndTtlsWholeSeconds(): void
    {
        $info = $this->js->createStream(
            (new StreamConfig('UNITS', ['units.>']))->withMaxAge(90.5)->withStorage(StreamConfig::STORAGE_MEMORY)->withAllowMessageTtl()
        );
        $this->assertSame(90.5, $info->getConfig()->get('max_age'));
        $consumer = $this->js->createConsumer('UNITS', 'u', (new ConsumerConfig('u'))
            ->withAckPolicy(ConsumerConfig::ACK_EXPLICIT)->withAckWait(2.5)->withBackoff([2.5, 4])->withMaxDeliver(3));
        $this->assertSame(2.5, $consumer->getConfig()->get('ack_wait'));
        $this->assertSame([2.5, 4.0], $consumer->getConfig()->get('backoff'));
        foreach ([1.5, 0.5, -1.0] as $bad) {
            try {
                $this->js->publish('units.a', 'x', ['ttl' => $bad]);
                $this->fail("ttl {$bad} was accepted");
            } catch (\NatsKit\Exception\InvalidArgumentException $e) {
                $this->assertSame(ErrorCode::INVALID_ARGUMENT, $e->getCode());
            }
        }
        $ack = $this->js->publish('units.a', 'x', ['ttl' => 2]);
        $this->assertSame(['2'], (array) $this->js->getMessage('UNITS', $ack['sequence'])->getHeaders()['Nats-TTL']);
        $kv = $this->js->createKeyValue('unitsbucket', ['max_age' => 60, 'storage' => 'memory']);
        $this->assertSame(60.0, $this->js->getStreamInfo('KV_unitsbucket')->getConfig()->get('max_age'));
    }
}
