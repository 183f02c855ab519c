<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\NatsException;
use NatsKit\JetStream\ConsumerConfig;
use NatsKit\JetStream\StreamConfig;
use NatsKit\Library;

/** The cross-host contract (tests/spec/contract.json) run in PHP: durations in seconds. */
final class SpecTest extends ServerTestCase
{
    protected static function serverOptions(): array
    {
        return ['jetstream' => true];
    }

    public static function cases(): iterable
    {
        $spec = json_decode(file_get_contents(__DIR__ . '/../../tests/spec/contract.json'), true, 512, JSON_THROW_ON_ERROR);
        foreach ($spec['cases'] as $case) {
            yield $case['name'] => [$case];
        }
    }

    /** A spec value in PHP's unit: `{"s": .., "ms": ..}` becomes seconds. */
    private static function host(mixed $value): mixed
    {
        if (!is_array($value)) {
            return $value;
        }
        $keys = array_keys($value);
        sort($keys);
        if ($keys === ['ms', 's']) {
            return $value['s'];
        }
        return array_map(self::host(...), $value);
    }

    private function call(string $op, array $a): mixed
    {
        $js = $this->client->jetstream();
        return match ($op) {
            'publish' => $this->client->publish($a['subject'], 'x', $a['headers'] ?? []),
            'request' => $this->client->request($a['subject'], 'x', $a['timeout']),
            'connect' => Client::connect($a['url']),
            'stream_info' => $js->getStreamInfo($a['stream'])->toArray(),
            'create_stream' => $js->createStream(StreamConfig::fromArray($a['config']))->toArray(),
            'create_consumer' => $js->createConsumer($a['stream'], ConsumerConfig::fromArray($a['config']))->toArray(),
            'js_publish' => $js->publish($a['subject'], 'x', isset($a['ttl']) ? ['ttl' => $a['ttl']] : []),
            'get_message' => get_object_vars($js->getMessage($a['stream'], $a['sequence'])),
            'queue_later' => $this->client->queue($a['queue'])->later($a['delay'], 'SpecJob'),
            'next_no_wait' => ['message' => $this->client->subscribe($a['subject'])->next(0)],
            'kv_put' => $js->createKeyValue($a['bucket'])->put($a['key'], 'x'),
            'panic' => Library::check(\FFI::cdef('int natskit_panic_for_tests(void);', Library::path())->natskit_panic_for_tests()),
        };
    }

    /** @dataProvider cases */
    public function testContract(array $case): void
    {
        $args = self::host($case['args']);
        if (isset($case['error'])) {
            try {
                $this->call($case['op'], $args);
                $this->fail("{$case['op']} should fail with {$case['error']}");
            } catch (NatsException $e) {
                $this->assertSame(constant(ErrorCode::class . '::' . $case['error']), $e->getCode(), $e->getMessage());
                if (isset($case['server_code'])) {
                    $this->assertSame($case['server_code'], $e->getServerCode());
                }
            }
            return;
        }
        $result = $this->call($case['op'], $args);
        $this->addToAssertionCount(1);
        foreach ($case['keys'] ?? [] as $key) {
            $this->assertArrayHasKey($key, $result);
        }
        foreach (self::host($case['result'] ?? []) as $path => $expected) {
            $value = $result;
            foreach (explode('.', $path) as $part) {
                $value = $value[$part];
            }
            $this->assertEquals($expected, $value, $path);
        }
    }
}
