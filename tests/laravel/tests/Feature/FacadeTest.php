<?php

namespace Tests\Feature;

use NatsKit\Client;
use NatsKit\JetStream;
use NatsKit\Laravel\NatsManager;
use NatsKit\Message;
use Nats;
use Tests\Support\NatsServer;
use Tests\TestCase;

/** The `Nats` facade and `app('nats')` against a real server, as the seed README uses them. */
class FacadeTest extends TestCase
{
    private static ?NatsServer $secondary = null;

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        self::$secondary = new NatsServer(self::dir() . '/secondary');
        self::setEnv('NATS_SECONDARY_HOST', '127.0.0.1');
        self::setEnv('NATS_SECONDARY_PORT', (string) self::$secondary->port);
    }

    public static function tearDownAfterClass(): void
    {
        self::$secondary?->stop();
        self::$secondary = null;
        parent::tearDownAfterClass();
    }

    public function test_the_container_and_facade_resolve_the_manager(): void
    {
        $this->assertInstanceOf(NatsManager::class, app('nats'));
        $this->assertSame(app('nats'), Nats::getFacadeRoot());
        $this->assertInstanceOf(Client::class, Nats::connection());
        $this->assertSame(Nats::connection(), Nats::connection('default'));
    }

    public function test_publish_subscribe_process_round_trip_with_json_payloads(): void
    {
        $received = [];
        Nats::subscribe('orders.*', function (Message $message) use (&$received) {
            $received[] = [$message->getSubject(), $message->getDecodedPayload(), $message->getHeader('X-Trace')];
        });
        Nats::connection()->flush();

        Nats::publish('orders.created', ['order_id' => 123, 'customer' => 'John Doe', 'tags' => ['a', 'ü']], ['X-Trace' => 'abc']);
        Nats::publish('orders.updated', ['order_id' => 123, 'total' => 9.5]);
        Nats::publish('other.subject', ['ignored' => true]);

        $this->waitFor(function () use (&$received) {
            Nats::process(0.1);
            return count($received) >= 2;
        }, 5, 'two messages on orders.*');
        Nats::process(0.2);

        $this->assertSame([
            ['orders.created', ['order_id' => 123, 'customer' => 'John Doe', 'tags' => ['a', 'ü']], 'abc'],
            ['orders.updated', ['order_id' => 123, 'total' => 9.5], null],
        ], $received);
    }

    public function test_queue_group_subscribers_share_messages(): void
    {
        $a = $b = 0;
        Nats::subscribe('work.items', function () use (&$a) { $a++; }, 'workers');
        Nats::subscribe('work.items', function () use (&$b) { $b++; }, 'workers');
        Nats::connection()->flush();
        for ($i = 0; $i < 50; $i++) {
            Nats::publish('work.items', ['i' => $i]);
        }
        $this->waitFor(function () use (&$a, &$b) {
            Nats::process(0.1);
            return $a + $b >= 50;
        }, 5, '50 messages across the queue group');
        Nats::process(0.2);
        $this->assertSame(50, $a + $b, 'each message goes to exactly one member of the group');
    }

    public function test_request_reply_with_a_responder_on_another_connection(): void
    {
        // The responder is a separate process: `php artisan` running a subscription.
        $responder = $this->startProcess([PHP_BINARY, '-d', 'ffi.enable=1', __DIR__ . '/../Support/responder.php', 'users.get']);
        $this->waitFor(fn () => str_contains($responder->stdout(), 'ready'), 10, 'the responder to subscribe');

        $reply = Nats::request('users.get', ['id' => 42], timeout: 5.0);

        $this->assertInstanceOf(Message::class, $reply);
        $this->assertSame(['id' => 42, 'name' => 'user 42', 'pid' => $responder->pid()], $reply->getDecodedPayload());
    }

    public function test_request_reply_in_process_on_two_connections(): void
    {
        $other = Client::connect(self::$natsUrl);
        $other->subscribe('math.double', fn (Message $m) => $m->respond(['result' => $m->getDecodedPayload()['n'] * 2]));
        $other->flush();
        $result = null;
        $requester = Client::connect(self::$natsUrl);
        $inbox = 'replies.' . bin2hex(random_bytes(4));
        $requester->subscribe($inbox, function (Message $m) use (&$result) { $result = $m->getDecodedPayload(); });
        $requester->flush();
        $requester->publish('math.double', ['n' => 21], [], $inbox);
        $this->waitFor(function () use ($other, $requester, &$result) {
            $other->process(0.05);
            $requester->process(0.05);
            return $result !== null;
        }, 5, 'the reply');
        $this->assertSame(['result' => 42], $result);
        $other->close();
        $requester->close();
    }

    public function test_request_without_responder_fails_clearly(): void
    {
        $started = microtime(true);
        try {
            Nats::request('nobody.listens', ['x' => 1], timeout: 1.0);
            $this->fail('a request nobody answers must throw');
        } catch (\NatsKit\Exception\NatsException $e) {
            $this->assertLessThan(3.0, microtime(true) - $started);
            $this->assertContains($e->getCode(), [\NatsKit\Exception\ErrorCode::NO_RESPONDERS, \NatsKit\Exception\ErrorCode::TIMEOUT], get_class($e) . ': ' . $e->getMessage());
        }
    }

    public function test_secondary_connection_reaches_the_other_server(): void
    {
        $secondary = Nats::connection('secondary');
        $this->assertNotSame(Nats::connection(), $secondary);

        // A subscriber on the secondary server only, watched by a plain client.
        $watcher = Client::connect(self::$secondary->url());
        $seen = [];
        $watcher->subscribe('events', function (Message $m) use (&$seen) { $seen[] = $m->getDecodedPayload(); });
        $watcher->flush();
        $primaryWatcher = Client::connect(self::$natsUrl);
        $primarySeen = 0;
        $primaryWatcher->subscribe('events', function () use (&$primarySeen) { $primarySeen++; });
        $primaryWatcher->flush();

        Nats::connection('secondary')->publish('events', ['on' => 'secondary']);
        Nats::connection('secondary')->flush();

        $this->waitFor(function () use ($watcher, &$seen) {
            $watcher->process(0.1);
            return $seen !== [];
        }, 5, 'the message on the secondary server');
        $primaryWatcher->process(0.3);
        $this->assertSame([['on' => 'secondary']], $seen);
        $this->assertSame(0, $primarySeen, 'the default server must not see it');
        $watcher->close();
        $primaryWatcher->close();
    }

    public function test_jetstream_through_the_facade(): void
    {
        $js = Nats::jetstream();
        $this->assertInstanceOf(JetStream::class, $js);
        $this->assertTrue($js->isAvailable());
        $this->assertSame($js, app('nats')->jetstream('default'));
    }
}
