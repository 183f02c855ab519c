<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Exception\ClosedException;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NotFoundException;
use NatsKit\JetStream;

/** Object store from PHP against a real nats-server. */
final class ObjectStoreTest extends ServerTestCase
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

    /** 300 KiB: three 128 KiB chunks. */
    private static function data(): string
    {
        $bytes = '';
        for ($i = 0; $i < 300 * 1024; $i++) {
            $bytes .= chr(($i * 31 + 7) % 251);
        }
        return $bytes;
    }

    private static function digest(string $data): string
    {
        return 'SHA-256=' . strtr(base64_encode(hash('sha256', $data, true)), '+/', '-_');
    }

    public function testObjectsRoundTripWithTheirDigestFilesListAndErrors(): void
    {
        $data = self::data();
        $store = $this->js->createObjectStore('phpfiles', ['description' => 'php files', 'max_age' => 3600, 'storage' => 'memory']);
        $this->assertSame('phpfiles', $store->getBucket());
        $this->assertSame(3600.0, $this->js->getStreamInfo('OBJ_phpfiles')->getConfig()->toArray()['max_age']);

        $info = $store->put('docs/report.bin', $data, ['description' => 'report', 'headers' => ['X-Kind' => 'bin'], 'metadata' => ['owner' => 'ann']]);
        $this->assertSame([strlen($data), 3, self::digest($data)], [$info['size'], $info['chunks'], $info['digest']]);
        $this->assertSame($data, $store->get('docs/report.bin'));
        $stored = $store->info('docs/report.bin');
        $this->assertSame([['X-Kind' => ['bin']], ['owner' => 'ann'], 'report'], [$stored['headers'], $stored['metadata'], $stored['description']]);

        $dir = sys_get_temp_dir() . '/natskit-obj-' . getmypid();
        @mkdir($dir);
        file_put_contents("$dir/source.bin", $data . $data);
        $this->assertSame(self::digest($data . $data), $store->putFile('copy.bin', "$dir/source.bin")['digest']);
        $this->assertSame(2 * strlen($data), $store->getFile('copy.bin', "$dir/target.bin")['size']);
        $this->assertSame($data . $data, file_get_contents("$dir/target.bin"));

        $this->assertSame(['bucket' => 'phpfiles', 'name' => 'copy.bin'], $store->link('latest', 'copy.bin')['link']);
        $this->assertSame($data . $data, $store->get('latest'));
        $this->assertSame(['copy.bin', 'docs/report.bin', 'latest'], array_column($store->list(), 'name'));
        $this->assertSame(['phpfiles'], $this->js->objectStoreNames());

        $store->delete('copy.bin');
        try {
            $store->info('copy.bin');
            $this->fail('a deleted object has no info');
        } catch (NotFoundException $e) {
            $this->assertSame(ErrorCode::NOT_FOUND, $e->getCode());
        }
        foreach ([fn () => $store->get('never'), fn () => $store->getFile('never', "$dir/never.bin"), fn () => $store->delete('never')] as $call) {
            try {
                $call();
                $this->fail('a missing object is NotFoundException');
            } catch (NotFoundException) {
            }
        }
        $this->assertFileDoesNotExist("$dir/never.bin");
        foreach ([fn () => $store->put('', 'x'), fn () => $store->put('x', 'x', ['size' => 1]), fn () => $this->js->createObjectStore('bad.name'), fn () => $this->js->createObjectStore('ok', ['max_age' => -1])] as $call) {
            try {
                $call();
                $this->fail('bad input is InvalidArgumentException');
            } catch (InvalidArgumentException) {
            }
        }

        $store->seal();
        try {
            $store->put('more', 'x');
            $this->fail('a sealed bucket refuses puts');
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString('sealed', $e->getMessage());
        }
        $this->assertSame($data, $store->get('docs/report.bin'));
        $this->js->deleteObjectStore('phpfiles');
        $this->expectException(NotFoundException::class);
        try {
            $this->js->objectStore('phpfiles');
        } finally {
            array_map('unlink', glob("$dir/*"));
            rmdir($dir);
        }
    }

    public function testWatchGivesTheObjectsThenPutsAndDeletes(): void
    {
        $store = $this->js->createObjectStore('phpwatch', ['storage' => 'memory']);
        $store->put('a', '1');
        $watch = $store->watch();
        $first = $watch->next(2.0);
        $this->assertSame(['a', false], [$first['name'], $first['deleted']]);
        $this->assertNull($watch->next(0.2));
        $updates = $store->watch(['updates_only' => true, 'ignore_deletes' => true]);
        $store->put('b', '22');
        $store->delete('a');
        $seen = array_map(fn ($i) => [$i['name'], $i['deleted']], [$watch->next(2.0), $watch->next(2.0)]);
        $this->assertSame([['b', false], ['a', true]], $seen);
        $this->assertSame('b', $updates->next(2.0)['name']);
        $this->assertNull($updates->next(0.2));
        $watch->stop();
        try {
            $watch->next(0.1);
            $this->fail('a stopped watch is closed');
        } catch (ClosedException) {
        }
        try {
            $store->watch(['history' => true]);
            $this->fail('an unknown option is InvalidArgumentException');
        } catch (InvalidArgumentException) {
        }
        $this->js->deleteObjectStore('phpwatch');
    }
}
