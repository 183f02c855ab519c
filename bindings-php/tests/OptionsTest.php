<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ConnectionException;

/** Connection options pass through the PHP config array (core/tests/options.rs tests each in depth). */
final class OptionsTest extends ServerTestCase
{
    public function testNoEcho(): void
    {
        $quiet = Client::connect(['servers' => static::$server->url(), 'no_echo' => true]);
        $sub = $quiet->subscribe('opts.echo');
        $quiet->flush();
        $quiet->publish('opts.echo', 'own');
        $quiet->flush();
        $this->client->publish('opts.echo', 'other');
        $this->client->flush();
        $this->assertSame('other', $sub->next(5.0)?->getPayload());
        $this->assertNull($sub->next(0.2), 'own message echoed');
        $quiet->close();
    }

    public function testInboxPrefixIsOnTheReplySubject(): void
    {
        $watcher = $this->client->subscribe('_PHP.inbox.>');
        $this->client->flush();
        [$process, $out] = $this->spawn([
            PHP_BINARY, '-d', 'ffi.enable=1', __DIR__ . '/fixtures/responder.php',
            static::$server->url(), 'opts.svc', '1',
        ]);
        $requester = Client::connect(['servers' => static::$server->url(), 'inbox_prefix' => '_PHP.inbox']);
        $this->assertSame('echo:ping', $requester->request('opts.svc', 'ping', 5.0)->getPayload());
        $seen = $watcher->next(5.0);
        $this->assertNotNull($seen);
        $this->assertStringStartsWith('_PHP.inbox.', $seen->getSubject());
        // close() flushes with a probe to an inbox that nobody else may receive: the watcher's
        // unsubscribe must have reached the server (its flush) before the requester closes.
        $watcher->unsubscribe();
        $this->client->flush();
        $requester->close();
        fclose($out);
        $this->assertSame(0, proc_close($process));
    }

    public function testRetryOnInitialConnect(): void
    {
        $url = 'nats://127.0.0.1:' . $this->stoppedServerPort();
        $started = microtime(true);
        try {
            Client::connect($url);
            $this->fail('connected to a stopped server');
        } catch (ConnectionException) {
            $this->assertLessThan(0.5, microtime(true) - $started, 'without the option it fails fast');
        }
        $this->expectException(ConnectionException::class);
        $this->expectExceptionMessage('gave up after 3 connect attempts');
        Client::connect([
            'servers' => $url,
            'retry_on_initial_connect' => true,
            'reconnect' => ['max_attempts' => 2, 'delay' => 0.01],
        ]);
    }

    public function testBadValuesAreConfigErrors(): void
    {
        $this->expectException(ConfigException::class);
        $this->expectExceptionMessage('reconnect_buffer_size');
        Client::connect(['servers' => static::$server->url(), 'reconnect_buffer_size' => -1]);
    }

    /** A port a server listened on a moment ago. */
    private function stoppedServerPort(): int
    {
        $gone = new \NatsKit\LocalServer(['jetstream' => false]);
        $port = (int) parse_url($gone->url(), PHP_URL_PORT);
        $gone->stop();
        return $port;
    }
}
