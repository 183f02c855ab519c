<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NatsException;
use NatsKit\Exception\SerializationException;

/**
 * Bad input (issue 14): huge, negative, NaN and infinite durations, bad headers, KV keys and
 * counts are natskit exceptions with a stable code naming the field, never a 1 ms timeout, a
 * raw JsonException or a crash; wrong types are PHP's own TypeError; the connection stays usable.
 */
final class BadInputTest extends ServerTestCase
{
    protected static function serverOptions(): array
    {
        return ['jetstream' => true];
    }

    /** Runs `$call`; it must throw a natskit exception with `$code` whose message has `$names`. */
    private function fails(callable $call, int $code, string $names = ''): NatsException
    {
        try {
            $call();
        } catch (NatsException $e) {
            $this->assertSame($code, $e->getCode(), $e->getMessage());
            $this->assertStringContainsString($names, $e->getMessage());
            return $e;
        }
        $this->fail("no exception (expected code {$code})");
    }

    private function assertStillUsable(): void
    {
        $sub = $this->client->subscribe('bad.alive');
        $this->client->publish('bad.alive', 'ok');
        $this->assertSame('ok', $sub->next(5.0)?->getPayload());
        $sub->unsubscribe();
    }

    public static function badSeconds(): iterable
    {
        yield 'huge' => [1e300];
        yield 'beyond the server' => [1e13];
        yield 'NaN' => [NAN];
        yield 'infinite' => [INF];
        yield 'negative' => [-1.0];
    }

    /** @dataProvider badSeconds */
    public function testCallDurations(float $seconds): void
    {
        $this->fails(fn () => $this->client->request('bad.nobody', 'x', $seconds), ErrorCode::INVALID_ARGUMENT);
        $sub = $this->client->subscribe('bad.quiet');
        $this->fails(fn () => $sub->next($seconds), ErrorCode::INVALID_ARGUMENT);
        $sub->unsubscribe();
        $queue = $this->client->queue('bad');
        $this->fails(fn () => $queue->later($seconds, 'Job'), ErrorCode::INVALID_ARGUMENT, 'delay');
        $this->fails(fn () => $queue->push('Job', null, ['delay' => $seconds]), ErrorCode::INVALID_ARGUMENT, 'delay');
        $this->assertStillUsable();
    }

    public function testConnectionSettings(): void
    {
        $url = static::$server->url();
        foreach ([
            'connect_timeout' => ['connect_timeout' => 1e300],
            'request_timeout' => ['request_timeout' => -1],
            'reconnect.delay' => ['reconnect' => ['delay' => 1e300]],
            'reconnect.max_attempts' => ['reconnect' => ['max_attempts' => -7]],
            'queue.replicas' => ['queue' => ['replicas' => 0]],
            'nkey_seed' => ['nkey_seed' => 'SUAMLK2ZNL35WSMW37E7UD4VZ7EL'],
        ] as $key => $options) {
            $e = $this->fails(fn () => Client::connect(['servers' => $url] + $options), ErrorCode::CONFIG, $key);
            $this->assertInstanceOf(ConfigException::class, $e);
            $this->assertStringNotContainsString('SUAMLK2ZNL35WSMW37E7UD4VZ7EL', $e->getMessage());
        }
        $e = $this->fails(fn () => Client::connect(['servers' => $url, 'request_timeout' => NAN]), ErrorCode::INVALID_ARGUMENT, 'request_timeout');
        $this->assertInstanceOf(InvalidArgumentException::class, $e);
    }

    public function testHeadersTheServerWouldMisread(): void
    {
        foreach ([['' => 'v'], ['a b' => 'v'], ['a:b' => 'v'], ['ok' => "a\r\nb"]] as $headers) {
            $this->fails(fn () => $this->client->publish('bad.h', 'x', $headers), ErrorCode::INVALID_ARGUMENT, 'header');
        }
        $this->assertStillUsable();
    }

    public function testKvKeys(): void
    {
        $kv = $this->client->jetstream()->createKeyValue('BAD_KEYS');
        foreach (['a b', 'a..b', '', '.a'] as $key) {
            $this->fails(fn () => $kv->put($key, 'v'), ErrorCode::INVALID_ARGUMENT, 'kv key');
        }
        $this->assertGreaterThan(0, $kv->put('a.b', 'v'));
    }

    public function testCounts(): void
    {
        $js = $this->client->jetstream();
        foreach ([0, -1] as $n) {
            $this->fails(fn () => $this->client->queue('bad')->popMany($n, 0.0), ErrorCode::INVALID_ARGUMENT, 'max');
            $this->fails(fn () => $js->fetch('NONE', 'c', $n, 0.0), ErrorCode::INVALID_ARGUMENT, 'batch');
        }
        $this->assertStillUsable();
    }

    public function testCircularAndNonFinitePayloads(): void
    {
        $loop = new \stdClass();
        $loop->self = $loop;
        $this->expectException(SerializationException::class);
        try {
            $this->client->publish('bad.p', ['n' => NAN]);
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString('n: NaN', $e->getMessage());
        }
        $this->client->publish('bad.p', $loop);
    }

    public function testWrongTypesAreTypeErrors(): void
    {
        $this->expectException(\TypeError::class);
        $this->client->publish(null, 'x');
    }
}
