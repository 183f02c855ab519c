<?php

declare(strict_types=1);

namespace NatsKit\Tests;

use NatsKit\Client;
use NatsKit\Exception\ClosedException;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\ConnectionException;
use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\InvalidSubjectException;
use NatsKit\Exception\NatsException;
use NatsKit\Exception\PanicException;
use NatsKit\Exception\PayloadTooLargeException;
use NatsKit\Library;
use NatsKit\Manager;
use NatsKit\Nats;

final class ErrorsTest extends ServerTestCase
{
    public function testErrorCodesAreTheCoreTable(): void
    {
        $constants = (new \ReflectionClass(ErrorCode::class))->getConstants();
        unset($constants['EXCEPTIONS']);
        $ffi = Library::ffi();
        foreach ($constants as $name => $number) {
            $this->assertSame($name, (string) $ffi->natskit_status_name($number));
            $class = ErrorCode::EXCEPTIONS[$number];
            $this->assertSame($number, NatsException::fromStatus($number, 'x')->getCode());
            $this->assertInstanceOf($class, NatsException::fromStatus($number, 'x'));
        }
        $this->assertSame(range(1, count($constants)), array_values($constants));
        $this->assertSame('UNKNOWN', (string) $ffi->natskit_status_name(count($constants) + 1));
    }

    public function testPanicBecomesPanicException(): void
    {
        $hook = \FFI::cdef('int natskit_panic_for_tests(void);', Library::path());
        try {
            Library::check($hook->natskit_panic_for_tests());
            $this->fail('expected PanicException');
        } catch (PanicException $e) {
            $this->assertSame(ErrorCode::PANIC, $e->getCode());
            $this->assertStringContainsString('deliberate panic for tests', $e->getMessage());
            $this->assertNull($e->getServerCode());
        }
    }

    public function testInvalidSubject(): void
    {
        $this->expectException(InvalidSubjectException::class);
        $this->expectExceptionCode(ErrorCode::INVALID_SUBJECT);
        $this->client->publish('bad subject', 'x');
    }

    public function testWildcardPublishIsRejected(): void
    {
        $this->expectException(InvalidSubjectException::class);
        $this->client->publish('orders.*', 'x');
    }

    public function testInvalidHeaders(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionCode(ErrorCode::INVALID_ARGUMENT);
        $this->client->publish('hdr.x', 'x', ["bad\nname" => 'v']);
    }

    public function testPayloadTooLarge(): void
    {
        try {
            $this->client->publish('big.x', str_repeat('x', $this->client->maxPayload() + 1));
            $this->fail('expected PayloadTooLargeException');
        } catch (PayloadTooLargeException $e) {
            $this->assertSame(ErrorCode::PAYLOAD_TOO_LARGE, $e->getCode());
            $this->assertStringContainsString('exceeds server max_payload', $e->getMessage());
        }
    }

    public function testConnectionRefusedNamesHostAndPort(): void
    {
        try {
            Client::connect(['servers' => 'nats://127.0.0.1:1', 'connect_timeout' => 2]);
            $this->fail('expected ConnectionException');
        } catch (ConnectionException $e) {
            $this->assertSame(ErrorCode::CONNECT, $e->getCode());
            $this->assertStringContainsString('127.0.0.1:1', $e->getMessage());
            $this->assertInstanceOf(NatsException::class, $e);
        }
    }

    public function testBadConfiguration(): void
    {
        $this->expectException(ConfigException::class);
        $this->expectExceptionCode(ErrorCode::CONFIG);
        Client::connect(['servers' => static::$server->url(), 'no_such_option' => 1]);
    }

    public function testAClientFromBeforeForkIsClosedInTheChild(): void
    {
        $client = Client::connect(static::$server->url());
        $result = tempnam(sys_get_temp_dir(), 'natskit-fork');
        $pid = pcntl_fork();
        $this->assertNotSame(-1, $pid, 'fork failed');
        if ($pid === 0) {
            try {
                $client->publish('forked.x', 'x');
                $outcome = 'published';
            } catch (ClosedException $e) {
                $outcome = "closed {$e->getCode()}";
            }
            file_put_contents($result, $outcome);
            // Leave without PHPUnit's shutdown handlers, which belong to the parent.
            posix_kill(posix_getpid(), SIGKILL);
        }
        $deadline = microtime(true) + 10.0;
        while (pcntl_waitpid($pid, $status, WNOHANG) === 0) {
            $this->assertLessThan($deadline, microtime(true), 'the child did not exit');
            usleep(10_000);
        }
        $this->assertSame('closed ' . ErrorCode::CLOSED, file_get_contents($result));
        unlink($result);
        $client->publish('forked.x', 'the parent still publishes');
        $client->flush();
        $client->close();
    }

    public function testClosedClient(): void
    {
        $client = Client::connect(static::$server->url());
        $client->close();
        $client->close();
        $this->expectException(ClosedException::class);
        $this->expectExceptionCode(ErrorCode::CLOSED);
        $client->publish('late.x', 'x');
    }

    public function testRespondWithoutReplySubject(): void
    {
        $sub = $this->client->subscribe('noreply.x');
        $this->client->publish('noreply.x', 'x');
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionMessage('no reply subject');
        $sub->next(5.0)->respond('answer');
    }

    public function testManagerNamedConnectionsAndFacade(): void
    {
        $url = static::$server->url();
        $manager = new Manager([
            'default' => 'main',
            'connections' => ['main' => ['servers' => $url], 'secondary' => ['servers' => $url]],
        ]);
        Nats::setManager($manager);
        $sub = Nats::connection('secondary')->subscribe('mgr.x');
        Nats::connection('secondary')->flush(); // the interest reaches the server before main publishes
        Nats::publish('mgr.x', ['via' => 'facade']);
        $this->assertSame(['via' => 'facade'], $sub->next(5.0)->getDecodedPayload());
        $this->assertSame(Nats::connection(), $manager->connection());
        try {
            $manager->connection('missing');
            $this->fail('expected ConfigException');
        } catch (ConfigException $e) {
            $this->assertStringContainsString('no connection named "missing"', $e->getMessage());
        }
        $manager->closeAll();
    }

    public function testLibraryPathOverride(): void
    {
        $this->assertFileExists(Library::path());
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', Library::version());
        putenv('NATSKIT_LIB=/nonexistent/libnatskit.so');
        try {
            Library::path();
            $this->fail('expected ConfigException');
        } catch (ConfigException $e) {
            $this->assertStringContainsString('NATSKIT_LIB=/nonexistent/libnatskit.so', $e->getMessage());
        } finally {
            putenv('NATSKIT_LIB');
        }
    }
}
