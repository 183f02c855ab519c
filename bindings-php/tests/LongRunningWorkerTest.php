<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Message;

/** A PHP worker busy for longer than the server's ping interval keeps a healthy connection. */
final class LongRunningWorkerTest extends ServerTestCase
{
    protected static function serverOptions(): array
    {
        // The server pings every second and drops a client after 2 unanswered pings.
        return ['jetstream' => false, 'config' => "ping_interval: \"1s\"\nping_max: 2\n"];
    }

    public function testPingsAreAnsweredWhilePhpIsBusy(): void
    {
        $received = [];
        $this->client->subscribe('work.x', function (Message $m) use (&$received): void {
            $received[] = $m->getPayload();
        });
        $this->client->flush();
        $this->assertSame(['event' => 'connected'], $this->client->pollEvent());

        usleep(4_000_000);

        $publisher = Client::connect(static::$server->url());
        $publisher->publish('work.x', 'after the nap');
        $publisher->close();
        $this->client->process(5.0);
        $this->assertSame(['after the nap'], $received);
        $this->assertNull($this->client->pollEvent(), 'no disconnect or reconnect happened');
        $this->assertSame(0, $this->client->stats()['reconnects']);
    }
}
