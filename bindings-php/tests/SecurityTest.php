<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\AuthorizationException;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ErrorCode;
use NatsKit\LocalServer;
use PHPUnit\Framework\TestCase;

/** Credentials in server URLs are used, and never shown in a message (core's behaviour). */
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
}
