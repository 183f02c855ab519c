<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\LocalServer;
use PHPUnit\Framework\TestCase;

/** One real nats-server per test class, a fresh connection per test. */
abstract class ServerTestCase extends TestCase
{
    protected static ?LocalServer $server = null;
    protected Client $client;

    /** Options for this class's server. */
    protected static function serverOptions(): array
    {
        return ['jetstream' => false];
    }

    public static function setUpBeforeClass(): void
    {
        static::$server = new LocalServer(static::serverOptions());
    }

    public static function tearDownAfterClass(): void
    {
        static::$server?->stop();
        static::$server = null;
    }

    protected function setUp(): void
    {
        $this->client = Client::connect(static::$server->url());
    }

    protected function tearDown(): void
    {
        $this->client->close();
    }

    /** Starts a helper process; returns [process, stdout pipe] once it printed "ready". */
    protected function spawn(array $command): array
    {
        $process = proc_open($command, [1 => ['pipe', 'w'], 2 => STDERR], $pipes);
        $this->assertIsResource($process);
        $this->assertSame("ready\n", fgets($pipes[1]));
        return [$process, $pipes[1]];
    }
}
