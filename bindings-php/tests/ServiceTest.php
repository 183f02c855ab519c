<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Endpoint;
use NatsKit\Exception\ClosedException;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\InvalidSubjectException;

/** Services (micro), pull-style: requests sent with reply subjects, answered from next(). */
final class ServiceTest extends ServerTestCase
{
    /** Publishes requests with reply subjects `$inbox.N` (no blocking request needed). */
    private function send(string $subject, array $payloads, string $inbox): void
    {
        foreach ($payloads as $i => $payload) {
            $this->client->publish($subject, $payload, [], "{$inbox}.{$i}");
        }
    }

    /** Answers `$count` requests: "ok:" and the payload, or an error for "fail". */
    private function serve(Endpoint $endpoint, int $count): void
    {
        for ($i = 0; $i < $count; $i++) {
            $request = $endpoint->next(5.0);
            $this->assertNotNull($request);
            if ($request->getPayload() === 'fail') {
                $request->respondError(422, 'cannot add');
            } else {
                $request->respond('ok:' . $request->getPayload());
            }
        }
    }

    public function testEndpointAnswersDataAndErrorsWithExactStats(): void
    {
        $service = $this->client->addService('adder', '1.0.0', 'adds', ['lang' => 'php']);
        $endpoint = $service->addEndpoint('add', 'add', null, ['unit' => 'int'], 'math');
        $this->assertSame('math.add', $endpoint->getSubject());
        $this->assertNull($endpoint->next(0.02));

        $replies = $this->client->subscribe('replies.>');
        $this->send('math.add', ['1', 'fail', '2', 'fail', '3'], 'replies');
        $this->serve($endpoint, 5);
        $answers = [];
        for ($i = 0; $i < 5; $i++) {
            $reply = $replies->next(5.0);
            $this->assertNotNull($reply);
            $answers[$reply->getSubject()] = $reply->getHeader('Nats-Service-Error-Code') ?? $reply->getPayload();
        }
        ksort($answers);
        $this->assertSame(['replies.0' => 'ok:1', 'replies.1' => '422', 'replies.2' => 'ok:2', 'replies.3' => '422', 'replies.4' => 'ok:3'], $answers);

        $stats = $service->stats()['endpoints'][0];
        $this->assertSame([5, 2, '422:cannot add'], [$stats['num_requests'], $stats['num_errors'], $stats['last_error']]);
        $this->assertGreaterThan(0, $stats['processing_time']);
        $this->assertLessThan(5, $stats['processing_time'], 'seconds');
        $info = $service->info();
        $this->assertSame(['adds', ['lang' => 'php']], [$info['description'], $info['metadata']]);
        $this->assertSame([['name' => 'add', 'subject' => 'math.add', 'queue_group' => 'q', 'metadata' => ['unit' => 'int']]], $info['endpoints']);

        $found = $this->client->serviceStats('adder', $service->getId());
        $this->assertCount(1, $found);
        $this->assertSame(5, $found[0]['endpoints'][0]['num_requests']);
        $pings = $this->client->servicePing('adder');
        $this->assertSame([[$service->getId(), '1.0.0']], array_map(fn ($p) => [$p['id'], $p['version']], $pings));

        $service->stop();
        $this->expectException(ClosedException::class);
        $endpoint->next(0.2);
    }

    public function testTwoInstancesShareQueueGroupQAndStopHandsOver(): void
    {
        $first = $this->client->addService('pair', '2.0.0');
        $second = $this->client->addService('pair', '2.0.0');
        $ends = [$first->addEndpoint('pair.echo'), $second->addEndpoint('pair.echo')];
        $this->client->subscribe('pairs.>');
        $this->send('pair.echo', array_fill(0, 20, 'x'), 'pairs');
        $served = [0, 0];
        while ($served[0] + $served[1] < 20) {
            foreach ($ends as $i => $end) {
                $request = $end->next(0.01);
                if ($request !== null) {
                    $request->respond('y');
                    $served[$i]++;
                }
            }
        }
        $this->assertGreaterThan(0, $served[0]);
        $this->assertGreaterThan(0, $served[1]);
        $infos = $this->client->serviceInfo('pair');
        $this->assertSame(['pair-echo', 'pair-echo'], array_map(fn ($i) => $i['endpoints'][0]['name'], $infos));

        $first->stop();
        $this->assertSame([$second->getId()], array_column($this->client->servicePing('pair'), 'id'));
        $second->stop();
        $this->assertSame([], $this->client->servicePing('pair', null, 0.3));
    }

    public function testBadInputIsRefused(): void
    {
        try {
            $this->client->addService('adder', '1.0');
            $this->fail('a version that is not semver');
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString('semantic version', $e->getMessage());
        }
        $service = $this->client->addService('checked', '1.0.0');
        $this->expectException(InvalidSubjectException::class);
        $service->addEndpoint('a..b');
    }

    public function testAnsweringTwiceIsRefused(): void
    {
        $service = $this->client->addService('once', '1.0.0');
        $endpoint = $service->addEndpoint('once');
        $this->client->publish('once', 'x', [], 'once-reply');
        $request = $endpoint->next(5.0);
        $this->assertNotNull($request);
        $request->respond('first');
        $this->expectException(InvalidArgumentException::class);
        $request->respond('second');
    }
}
