<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Message;

/**
 * Messages cross between this PHP process and a separate native program built on the
 * C ABI (tests/c/interop_peer.c; $NATSKIT_INTEROP_PEER, built by `make test`).
 */
final class InteropTest extends ServerTestCase
{
    public function testPhpAndNativePeerExchangeMessages(): void
    {
        $peer = getenv('NATSKIT_INTEROP_PEER');
        if (!is_string($peer) || !is_executable($peer)) {
            $this->markTestSkipped('NATSKIT_INTEROP_PEER is not set (make -C bindings-php test builds it)');
        }
        $received = [];
        $this->client->subscribe('interop.to-php', function (Message $m) use (&$received): void {
            $received[] = $m->getPayload();
        });
        $this->client->flush();
        [$process, $out] = $this->spawn([$peer, static::$server->url(), 'interop.to-native', 'interop.to-php']);
        $this->client->publish('interop.to-native', 'hello from php');
        $this->assertSame("got hello from php\n", fgets($out));
        $deadline = microtime(true) + 5.0;
        while ($received === [] && microtime(true) < $deadline) {
            $this->client->process(0.5);
        }
        $this->assertSame(['from-c:hello from php'], $received);
        fclose($out);
        $this->assertSame(0, proc_close($process));
    }
}
