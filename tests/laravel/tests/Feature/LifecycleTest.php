<?php

namespace Tests\Feature;

use Illuminate\Support\Facades\Facade;
use Tests\TestCase;

/**
 * Connections belong to their application: an application that is flushed (every test of a
 * Laravel test suite, each Octane worker reset) leaves no NATS connection behind.
 */
class LifecycleTest extends TestCase
{
    public function test_flushed_applications_leave_no_connections_open(): void
    {
        $this->closeConnectionsOf($this->app);
        $this->waitFor(fn () => static::$nats->connections() === 0, 5, 'no connection before the test');

        for ($i = 0; $i < 5; $i++) {
            $app = $this->createApplication();
            $app['nats']->connection()->flush();
            $app['queue']->connection('nats')->size($this->queue);
            $app->flush();
            unset($app);
            Facade::clearResolvedInstances();
            gc_collect_cycles();
        }
        $open = 0;
        try {
            $this->waitFor(fn () => ($open = static::$nats->connections()) === 0, 3, 'the connections of flushed applications to close');
        } catch (\PHPUnit\Framework\AssertionFailedError) {
            $this->fail("{$open} NATS connections are still open after 5 applications were flushed (each used the Nats facade and the nats queue once)");
        }
    }

    private function closeConnectionsOf($app): void
    {
        if ($app->resolved('nats')) {
            $app['nats']->disconnect();
        }
    }
}
