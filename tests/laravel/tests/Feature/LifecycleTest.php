<?php

namespace Tests\Feature;

use Illuminate\Support\Facades\Facade;
use Tests\TestCase;

/**
 * Connections belong to their application and never keep a process alive: a flushed
 * application (each test of a Laravel test suite, an Octane worker reset) leaves no NATS
 * connection behind, and a process whose server went away still exits.
 */
class LifecycleTest extends TestCase
{
    public function test_flushed_applications_leave_no_connections_open(): void
    {
        $this->app['nats']->disconnect();
        $this->waitFor(fn () => static::$nats->connections() === 0, 5, 'no connection before the test');

        $apps = [];
        try {
            for ($i = 0; $i < 5; $i++) {
                $app = $this->createApplication();
                $app['nats']->connection()->flush();
                $app['queue']->connection('nats')->size($this->queue);
                $apps[] = [$app['nats'], $app['queue']->connection('nats')];
                $app->flush();
                unset($app);
                Facade::clearResolvedInstances();
            }
            $used = $apps;
            $apps = array_map(fn ($pair) => [\WeakReference::create($pair[0]), \WeakReference::create($pair[1])], $apps);
            unset($used, $pair);
            gc_collect_cycles();
            $deadline = microtime(true) + 3;
            while (($open = static::$nats->connections()) > 0 && microtime(true) < $deadline) {
                usleep(100_000);
            }
            $this->assertSame(0, $open, 'NATS connections still open after 5 applications were flushed (each used the Nats facade and the nats queue once)');
        } finally {
            // createApplication() made each new app the global one: give the test's app back.
            \Illuminate\Container\Container::setInstance($this->app);
            Facade::clearResolvedInstances();
            Facade::setFacadeApplication($this->app);
            // Close what leaked, so this process does not close them at exit against a stopped server.
            foreach ($apps as [$manager, $queue]) {
                $manager->get()?->disconnect();
                $queue->get()?->getClient()->close();
            }
        }
    }

    public function test_a_process_using_the_facade_exits_after_its_server_went_away(): void
    {
        $go = self::dir() . "/{$this->queue}.go";
        $script = $this->startProcess([PHP_BINARY, '-d', 'ffi.enable=1', dirname(__DIR__) . '/Support/publish_then_exit.php', $go]);
        $this->waitFor(fn () => str_contains($script->stdout(), 'published'), 15, 'the first publish');
        static::$nats->stop();
        touch($go);
        $this->waitFor(fn () => str_contains($script->stdout(), 'exiting'), 15, 'the script to finish');
        $this->assertNotNull($script->wait(20), 'the process must exit; at shutdown it closes its connections, which must not wait for a server that is gone: ' . $script->describe());
    }

    /** @dataProvider workerConnections */
    public function test_queue_work_stops_on_sigterm_while_the_server_is_down(string $connection): void
    {
        $worker = $this->startWorker([], $connection);
        $this->waitFor(fn () => static::$nats->connections() > 0, 15, 'the worker to connect');
        usleep(500_000);
        static::$nats->stop();
        sleep(1);
        $worker->kill(SIGTERM);
        $this->assertNotNull($worker->wait(20), "queue:work {$connection} must exit on SIGTERM while the server is down: " . $worker->describe());
    }

    public function workerConnections(): array
    {
        return ['host/port keys' => ['nats'], 'config/nats.php connection' => ['nats-named']];
    }
}
