<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Job;

/** W3C trace context from PHP: given to publish, request and push, read from messages and jobs. */
final class TraceTest extends ServerTestCase
{
    private const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    private const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

    protected static function serverOptions(): array
    {
        return ['jetstream' => true];
    }

    public function testAPublishedTraceparentArrivesInTheSubscriber(): void
    {
        $sub = $this->client->subscribe('traced');
        $this->client->publish('traced', 'a', ['x-app' => '1'], traceparent: self::PARENT, tracestate: 'vendor=1');
        $this->client->publish('traced', 'b', ['traceparent' => '00-not-a-trace-context']);
        $this->client->publish('traced', 'c');
        $first = $sub->next(2.0);
        $this->assertSame([
            'trace_id' => self::TRACE_ID,
            'span_id' => '00f067aa0ba902b7',
            'flags' => 1,
            'sampled' => true,
            'tracestate' => 'vendor=1',
        ], $first->getTraceContext());
        $this->assertSame('1', $first->getHeader('x-app'));
        $this->assertNull($sub->next(2.0)->getTraceContext());
        $this->assertNull($sub->next(2.0)->getTraceContext());
    }

    public function testARequestCarriesTheTraceContextToTheResponder(): void
    {
        $this->client->subscribe('traced.svc', function ($msg): void {
            $msg->respond($msg->getTraceContext()['trace_id'] ?? '');
        });
        $reply = $this->client->request('traced.svc', 'q', 2.0, traceparent: self::PARENT);
        $this->assertSame(self::TRACE_ID, $reply->getPayload());
    }

    public function testAMalformedTraceContextGivenIsInvalidArgument(): void
    {
        foreach ([
            fn () => $this->client->publish('traced', 'x', traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01'),
            fn () => $this->client->publish('traced', 'x', tracestate: 'a=1'),
            fn () => $this->client->queue('traced_php')->push('Job', 1, ['traceparent' => 'garbage']),
        ] as $i => $call) {
            try {
                $call();
                $this->fail("call {$i} was accepted");
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('trace', $e->getMessage());
            }
        }
    }

    public function testAPushedTraceContextArrivesInTheJobHandler(): void
    {
        $queue = $this->client->queue('traced_php');
        $queue->push('Traced', 1, ['traceparent' => self::PARENT, 'tracestate' => 'k=v']);
        $queue->push('Plain', 2);
        $seen = [];
        $worker = $this->client->worker(['queues' => ['traced_php'], 'max-jobs' => 2, 'sleep' => 0.5]);
        $worker->handle('*', function (Job $job) use (&$seen): void {
            $seen[$job->getName()] = $job->getTraceContext();
        });
        $this->assertSame('max_jobs', $worker->run());
        $this->assertSame(self::TRACE_ID, $seen['Traced']['trace_id']);
        $this->assertSame('k=v', $seen['Traced']['tracestate']);
        $this->assertNull($seen['Plain']);
    }
}
