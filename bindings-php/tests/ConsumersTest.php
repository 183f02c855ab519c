<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Exception\ClosedException;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NotFoundException;
use NatsKit\JetStream;
use NatsKit\JetStream\ConsumerConfig;
use NatsKit\JetStream\ConsumerMessages;
use NatsKit\JetStream\StreamConfig;

/** Ordered consumers, push consumers through consume() and consume()'s idle heartbeats. */
final class ConsumersTest extends ServerTestCase
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

    /** @return list<int> the stream sequences until `$timeout` passes with none */
    private static function sequences(ConsumerMessages $messages, float $timeout = 0.3): array
    {
        $seqs = [];
        while (($message = $messages->next($timeout)) !== null) {
            $seqs[] = $message->getStreamSequence();
        }
        return $seqs;
    }

    public function testOrderedReadsTheStreamInOrderFromWhereItIsTold(): void
    {
        $this->js->createStream((new StreamConfig('ORD', ['ord.*']))->withStorage(StreamConfig::STORAGE_MEMORY));
        foreach (range(0, 1999) as $i) {
            $this->js->publish($i < 1000 ? 'ord.a' : 'ord.b', "m{$i}");
        }
        $messages = $this->js->ordered('ORD', ['heartbeat' => 0.5]);
        foreach (range(0, 1999) as $i) {
            $message = $messages->next(5.0);
            $this->assertNotNull($message);
            $this->assertSame($i + 1, $message->getStreamSequence());
            $this->assertSame("m{$i}", $message->getPayload());
        }
        $this->assertNull($messages->next(0.3));
        $messages->stop();
        $this->expectClosed($messages);

        $this->assertSame(range(1990, 2000), self::sequences($this->js->ordered('ORD', ['filter_subjects' => 'ord.b', 'opt_start_seq' => 1990])));
        $this->assertSame([1000, 2000], self::sequences($this->js->ordered('ORD', [
            'deliver_policy' => ConsumerConfig::DELIVER_LAST_PER_SUBJECT, 'filter_subjects' => ['ord.*'],
        ])));
        $this->assertSame([], self::sequences($this->js->ordered('ORD', ['opt_start_time' => new \DateTimeImmutable('+1 hour')])));
        $this->assertSame(range(1001, 2000), self::sequences($this->js->ordered('ORD', [
            'opt_start_time' => new \DateTimeImmutable('-1 hour'), 'filter_subjects' => 'ord.b',
        ])));
        foreach ([['deliver_policy' => 'first'], ['opt_start_seq' => 0], ['heartbeat' => -1], ['batch' => 1]] as $bad) {
            try {
                $this->js->ordered('ORD', $bad);
                $this->fail('refused: ' . json_encode($bad));
            } catch (InvalidArgumentException) {
                $this->addToAssertionCount(1);
            }
        }
        $this->expectException(NotFoundException::class);
        $this->js->ordered('NOPE');
    }

    public function testConsumeThrowsNotFoundWithinItsHeartbeatsWhenTheConsumerIsDeleted(): void
    {
        $this->js->createStream((new StreamConfig('HB', ['hb']))->withStorage(StreamConfig::STORAGE_MEMORY));
        $this->js->createConsumer('HB', 'gone', (new ConsumerConfig('gone'))->withAckPolicy(ConsumerConfig::ACK_EXPLICIT));
        try {
            $this->js->consume('HB', 'gone', ['heartbeat' => 0.6, 'expires' => 1.0]);
            $this->fail('a heartbeat over half of expires is refused');
        } catch (InvalidArgumentException) {
            $this->addToAssertionCount(1);
        }
        $messages = $this->js->consume('HB', 'gone', ['heartbeat' => 0.3]);
        $this->assertNull($messages->next(0.8));
        $this->js->deleteConsumer('HB', 'gone');
        $started = microtime(true);
        try {
            $messages->next(10.0);
            $this->fail('a deleted consumer is reported');
        } catch (NotFoundException) {
            $this->assertLessThan(3.0, microtime(true) - $started);
        }
    }

    public function testConsumeReadsAPushConsumerWithNakTermAndInProgress(): void
    {
        $this->js->createStream((new StreamConfig('PU', ['pu']))->withStorage(StreamConfig::STORAGE_MEMORY));
        $this->js->createConsumer('PU', (new ConsumerConfig('push'))
            ->with('deliver_subject', 'deliver.pu')
            ->with('deliver_group', 'g')
            ->with('flow_control', true)
            ->with('idle_heartbeat', 0.5));
        foreach (range(1, 20) as $i) {
            $this->js->publish('pu', "m{$i}");
        }
        $messages = $this->js->consume('PU', 'push');
        // First deliveries come in order; the nak'd first message comes again among them.
        [$first, $redelivered] = [0, false];
        while ($first < 20 || !$redelivered) {
            $message = $messages->next(5.0);
            $this->assertNotNull($message);
            if ($message->getDeliveryCount() === 2) {
                $this->assertSame(1, $message->getStreamSequence());
                $message->doubleAck();
                $redelivered = true;
                continue;
            }
            $this->assertSame(++$first, $message->getStreamSequence());
            match ($first) {
                1 => $message->nak(),
                2 => $message->term('bad'),
                default => [$message->inProgress(), $message->ack()],
            };
        }
        $this->assertNull($messages->next(1.5));
        $info = $this->js->getConsumerInfo('PU', 'push');
        $this->assertSame([0, 0], [$info->getNumPending(), $info->getNumAckPending()]);
    }

    private function expectClosed(ConsumerMessages $messages): void
    {
        try {
            $messages->next(0.1);
            $this->fail('next after stop must throw');
        } catch (ClosedException) {
            $this->addToAssertionCount(1);
        }
    }
}
