<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\NatsException;
use NatsKit\JetStream;
use NatsKit\JetStream\StreamConfig;
use NatsKit\LocalCluster;
use PHPUnit\Framework\TestCase;

/** LocalCluster: a client given every URL keeps publishing while each node in turn dies. */
final class LocalClusterTest extends TestCase
{
    /** How long the client may take to work again after a kill, in seconds. */
    private const RECOVERY = 15.0;

    public function testClientSurvivesEachNodeDying(): void
    {
        $cluster = new LocalCluster();
        $urls = $cluster->urls();
        $this->assertCount(3, $urls);
        $client = Client::connect(implode(',', $urls));
        $js = $client->jetstream();
        $js->createStream((new StreamConfig('FAILOVER', ['failover.js']))->withReplicas(3));
        $this->assertKeepsWorking($client, $js);

        foreach ([0, 1, 2] as $node) {
            $cluster->kill($node);
            $this->assertKeepsWorking($client, $js);
            $cluster->restart($node);
        }

        try {
            $cluster->kill(3);
            $this->fail('node 3 was accepted');
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString('no node 3', $e->getMessage());
        }
        $client->close();
        $cluster->stop();
        $cluster->stop();
    }

    /** A flushed publish and a JetStream publish succeed within RECOVERY. */
    private function assertKeepsWorking(Client $client, JetStream $js): void
    {
        $deadline = microtime(true) + self::RECOVERY;
        while (true) {
            try {
                $client->publish('failover.core', 'x');
                $client->flush();
                $js->publish('failover.js', 'x');
                $this->addToAssertionCount(1);
                return;
            } catch (NatsException $e) {
                if (microtime(true) > $deadline) {
                    $this->fail('no publish within ' . self::RECOVERY . " s of the kill: {$e->getMessage()}");
                }
                usleep(100_000);
            }
        }
    }
}
