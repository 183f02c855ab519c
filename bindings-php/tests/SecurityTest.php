<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\AuthorizationException;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ConnectionException;
use NatsKit\Exception\ErrorCode;
use NatsKit\LocalServer;
use PHPUnit\Framework\TestCase;

/**
 * Credentials in server URLs are used, and never shown in a message; TLS connects with the
 * right CA and names the cause otherwise (core's behaviour).
 */
final class SecurityTest extends TestCase
{
    public function testUserAndPasswordInTheUrl(): void
    {
        $server = new LocalServer(['jetstream' => false, 'user' => 'bob', 'password' => 'pw-right-1']);
        try {
            $client = Client::connect(str_replace('nats://', 'nats://bob:pw-right-1@', $server->url()));
            $client->flush();
            $client->close();
            try {
                Client::connect([
                    'servers' => str_replace('nats://', 'nats://bob:pw-S3CRET@', $server->url()),
                    'reconnect' => ['max_attempts' => 0],
                ]);
                $this->fail('expected AuthorizationException');
            } catch (AuthorizationException $e) {
                $this->assertSame(ErrorCode::AUTHORIZATION, $e->getCode());
                $this->assertStringContainsString('"bob"', $e->getMessage());
                $this->assertStringNotContainsString('pw-S3CRET', $e->getMessage());
            }
        } finally {
            $server->stop();
        }
    }

    public function testTokenInTheUrl(): void
    {
        $server = new LocalServer(['jetstream' => false, 'token' => 'tok-in-url-7']);
        try {
            $client = Client::connect(str_replace('nats://', 'nats://tok-in-url-7@', $server->url()));
            $this->assertInstanceOf(Client::class, $client);
            $client->flush();
            $client->close();
        } finally {
            $server->stop();
        }
    }

    public function testMalformedUrlHidesItsPassword(): void
    {
        try {
            Client::connect('nats://bob:pw-S3CRET@bad host:4222');
            $this->fail('expected ConfigException');
        } catch (ConfigException $e) {
            $this->assertStringContainsString('bob:***@bad host', $e->getMessage());
            $this->assertStringNotContainsString('pw-S3CRET', $e->getMessage());
        }
    }

    public function testTlsConnectsWithTheRightCaAndNamesTheCauseOtherwise(): void
    {
        $dir = sys_get_temp_dir() . '/natskit-tls-' . bin2hex(random_bytes(6));
        mkdir($dir);
        exec('sh ' . escapeshellarg(__DIR__ . '/../../tests/tls/certs.sh') . ' ' . escapeshellarg($dir), $out, $status);
        $this->assertSame(0, $status, 'tests/tls/certs.sh failed');
        $args = ['--tls', '--tlscert', "$dir/server.pem", '--tlskey', "$dir/server-key.pem"];
        $server = new LocalServer(['jetstream' => false, 'args' => $args]);
        try {
            $client = Client::connect(['servers' => $server->url(), 'tls' => ['ca' => "$dir/ca.pem"]]);
            $sub = $client->subscribe('tls.echo');
            $client->flush();
            $client->publish('tls.echo', 'over tls');
            $this->assertSame('over tls', $sub->next(5.0)?->getPayload());
            $client->close();

            $refused = ['servers' => $server->url(), 'connect_timeout' => 3, 'reconnect' => ['max_attempts' => 0]];
            $wrongCa = $refused + ['tls' => ['ca' => "$dir/other-ca.pem"]];
            foreach ([[$wrongCa, 'unknown issuer'], [$refused, 'certificate verification failed']] as [$options, $cause]) {
                try {
                    Client::connect($options);
                    $this->fail('expected ConnectionException');
                } catch (ConnectionException $e) {
                    $this->assertSame(ErrorCode::CONNECT, $e->getCode());
                    $this->assertStringContainsString('certificate verification failed', $e->getMessage());
                    $this->assertStringContainsString($cause, $e->getMessage());
                }
            }
        } finally {
            $server->stop();
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }
}
