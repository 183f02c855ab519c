<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\NoRespondersException;
use NatsKit\Exception\TimeoutException;
use NatsKit\Message;

final class MessagingTest extends ServerTestCase
{
    public function testPublishSubscribeDispatchesOnProcess(): void
    {
        $received = [];
        $this->client->subscribe('orders.created', function (Message $m) use (&$received): void {
            $received[] = [$m->getSubject(), $m->getPayload(), $m->getReplyTo()];
        });
        $this->client->publish('orders.created', 'first');
        $this->client->publish('orders.created', 'second');
        $this->assertSame([], $received, 'callbacks run only inside process()');
        $this->processUntil(function () use (&$received) {
            return count($received) >= 2;
        });
        $this->assertSame([['orders.created', 'first', null], ['orders.created', 'second', null]], $received);
    }

    public function testWildcards(): void
    {
        $one = [];
        $all = [];
        $this->client->subscribe('logs.*', function (Message $m) use (&$one): void {
            $one[] = $m->getSubject();
        });
        $this->client->subscribe('logs.>', function (Message $m) use (&$all): void {
            $all[] = $m->getSubject();
        });
        $this->client->publish('logs.app', 'a');
        $this->client->publish('logs.app.error', 'b');
        $this->processUntil(function () use (&$all, &$one) {
            return count($all) >= 2 && count($one) >= 1;
        });
        $this->client->process(0.1);
        $this->assertSame(['logs.app'], $one);
        $this->assertEqualsCanonicalizing(['logs.app', 'logs.app.error'], $all);
    }

    public function testQueueGroupDeliversEachMessageOnce(): void
    {
        $seen = [];
        foreach (['a', 'b'] as $member) {
            $this->client->subscribe('jobs', function (Message $m) use (&$seen): void {
                $seen[] = $m->getPayload();
            }, 'workers');
        }
        $sent = [];
        for ($i = 0; $i < 50; $i++) {
            $sent[] = "job {$i}";
            $this->client->publish('jobs', "job {$i}");
        }
        $this->client->flush();
        $this->processUntil(function () use (&$seen) {
            return count($seen) >= 50;
        });
        $this->client->process(0.2);
        // Identities, not a count: one duplicate plus one loss would still sum to 50.
        sort($seen);
        sort($sent);
        $this->assertSame($sent, $seen);
    }

    public function testPullStyleNext(): void
    {
        $sub = $this->client->subscribe('pull.x');
        $this->assertNull($sub->next(0.05));
        $this->client->publish('pull.x', 'pulled');
        $message = $sub->next(5.0);
        $this->assertNotNull($message);
        $this->assertSame('pulled', $message->getPayload());
        $sub->unsubscribe();
        $this->assertTrue($sub->isClosed());
    }

    public function testRequestReplyAcrossProcesses(): void
    {
        [$process, $out] = $this->spawn([
            PHP_BINARY, '-d', 'ffi.enable=1', __DIR__ . '/fixtures/responder.php',
            static::$server->url(), 'svc.echo', '2',
        ]);
        $reply = $this->client->request('svc.echo', 'ping', 5.0);
        $this->assertSame('echo:ping', $reply->getPayload());
        $this->assertSame('php', $reply->getHeader('x-responder'));
        $json = $this->client->request('svc.echo', ['id' => 42], 5.0);
        $this->assertSame('echo:{"id":42}', $json->getPayload());
        fclose($out);
        $this->assertSame(0, proc_close($process));
    }

    public function testRespondWithinOneProcess(): void
    {
        $responded = false;
        $this->client->subscribe('svc.local', function (Message $m) use (&$responded): void {
            $m->respond(['answer' => strtoupper($m->getPayload())]);
            $responded = true;
        });
        $inbox = $this->client->subscribe('inbox.local');
        $this->client->publish('svc.local', 'hi', [], 'inbox.local');
        $this->processUntil(function () use (&$responded) {
            return $responded;
        });
        $reply = $inbox->next(5.0);
        $this->assertNotNull($reply);
        $this->assertSame(['answer' => 'HI'], $reply->getDecodedPayload());
    }

    public function testRequestRunsThisClientsCallbacksWhileItWaits(): void
    {
        $seen = [];
        $this->client->subscribe('svc.upper', function (Message $m) use (&$seen): void {
            $seen[] = 'svc.upper';
            $m->respond(strtoupper($m->getPayload()));
        });
        $this->client->subscribe('audit.*', function (Message $m) use (&$seen): void {
            $seen[] = $m->getSubject();
        });
        $this->client->publish('audit.before', 'x');
        $reply = $this->client->request('svc.upper', 'same client', 2.0);
        $this->assertSame('SAME CLIENT', $reply->getPayload());
        $this->assertSame(['svc.upper'], array_values(array_diff($seen, ['audit.before'])));
        // The reply wins once it is there: what is still waiting then is left for process().
        $this->processUntil(function () use (&$seen) {
            return in_array('audit.before', $seen, true);
        });
        $this->assertCount(2, $seen);
    }

    public function testACallbackExceptionDuringRequestAbandonsOnlyThatRequest(): void
    {
        $calls = 0;
        $this->client->subscribe('svc.flaky', function (Message $m) use (&$calls): void {
            if (++$calls === 1) {
                throw new \RuntimeException('handler failed');
            }
            $m->respond('ok');
        });
        try {
            $this->client->request('svc.flaky', 'x', 2.0);
            $this->fail('expected the callback\'s exception');
        } catch (\RuntimeException $e) {
            $this->assertSame('handler failed', $e->getMessage());
        }
        $this->assertSame('ok', $this->client->request('svc.flaky', 'x', 2.0)->getPayload());
    }

    public function testRequestWithCallbacksStillTimesOut(): void
    {
        $this->client->subscribe('svc.mute', function (Message $m): void {
        });
        $started = microtime(true);
        try {
            $this->client->request('svc.mute', 'x', 0.3);
            $this->fail('expected TimeoutException');
        } catch (TimeoutException $e) {
            $this->assertStringContainsString('request to svc.mute timed out after 300 ms', $e->getMessage());
        }
        $this->assertLessThan(2.0, microtime(true) - $started);
    }

    public function testNoResponders(): void
    {
        try {
            $this->client->request('nobody.listens', 'x', 2.0);
            $this->fail('expected NoRespondersException');
        } catch (NoRespondersException $e) {
            $this->assertSame(ErrorCode::NO_RESPONDERS, $e->getCode());
            $this->assertSame('no responders for nobody.listens', $e->getMessage());
        }
    }

    public function testRequestTimeout(): void
    {
        $silent = $this->client->subscribe('svc.silent');
        $this->assertSame('svc.silent', $silent->getSubject());
        try {
            $this->client->request('svc.silent', 'x', 0.2);
            $this->fail('expected TimeoutException');
        } catch (TimeoutException $e) {
            $this->assertSame(ErrorCode::TIMEOUT, $e->getCode());
            $this->assertStringContainsString('request to svc.silent timed out after 200 ms', $e->getMessage());
        }
    }

    public function testHeadersRoundTrip(): void
    {
        $sub = $this->client->subscribe('hdr.x');
        $this->client->publish('hdr.x', 'body', ['X-Trace' => ['a', 'b'], 'Content-Type' => 'text/plain']);
        $m = $sub->next(5.0);
        $this->assertSame(['a', 'b'], $m->getHeaders()['X-Trace']);
        $this->assertSame('text/plain', $m->getHeader('content-type'));
        $this->assertNull($m->getHeader('missing'));
    }

    public function testJsonPayloads(): void
    {
        $sub = $this->client->subscribe('json.x');
        $order = ['order_id' => 123, 'customer' => 'John Doe', 'items' => [1, 2], 'paid' => true];
        $this->client->publish('json.x', $order);
        $this->assertSame($order, $sub->next(5.0)->getDecodedPayload());
        $this->client->publish('json.x', 'plain text');
        $m = $sub->next(5.0);
        $this->assertSame('plain text', $m->getPayload());
        $this->expectException(\NatsKit\Exception\SerializationException::class);
        $this->expectExceptionCode(ErrorCode::SERIALIZATION);
        $m->getDecodedPayload();
    }

    public function testStatsAndEvents(): void
    {
        $this->client->publish('stats.x', 'abc');
        $this->client->flush();
        $stats = $this->client->stats();
        $this->assertGreaterThanOrEqual(1, $stats['out_msgs']);
        $this->assertSame(0, $stats['reconnects']);
        $this->assertSame(['event' => 'connected'], $this->client->pollEvent());
        $this->assertGreaterThan(0, $this->client->maxPayload());
    }

    /** Calls process() until `$done` holds (at most 5 s). */
    private function processUntil(callable $done): void
    {
        $deadline = microtime(true) + 5.0;
        do {
            $this->client->process(0.5);
        } while (!$done() && microtime(true) < $deadline);
        $this->assertTrue($done(), 'expected messages did not arrive within 5 s');
    }
}
