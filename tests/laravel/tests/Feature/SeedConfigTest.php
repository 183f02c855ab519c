<?php

namespace Tests\Feature;

use App\Jobs\BackoffArrayJob;
use App\Jobs\RecordJob;
use Illuminate\Support\ServiceProvider;
use NatsKit\Laravel\NatsServiceProvider;
use NatsKit\Message;
use Nats;
use Tests\TestCase;

/**
 * The seed README's configuration, copied as it is (config/nats.php `default`, the `seed`
 * and `seed-dlq` queue connections), and the package's own config/nats.php as
 * `php artisan vendor:publish --tag=nats-config` writes it.
 */
class SeedConfigTest extends TestCase
{
    public function test_the_seed_configuration_publishes_dispatches_and_works(): void
    {
        $this->assertSame(['host', 'port', 'user', 'password', 'token'], array_keys(config('nats.connections.default')));
        $got = [];
        Nats::subscribe('orders.*', function (Message $m) use (&$got) { $got[] = $m->getDecodedPayload(); });
        Nats::connection()->flush();
        Nats::publish('orders.created', ['order_id' => 123, 'customer' => 'John Doe']);
        $this->waitFor(function () use (&$got) { Nats::process(0.1); return $got; }, 5, 'the published order');
        $this->assertSame([['order_id' => 123, 'customer' => 'John Doe']], $got);

        dispatch(new RecordJob($this->key('seed')))->onConnection('seed')->onQueue($this->queue);
        $worker = $this->startWorker(['--stop-when-empty' => true], 'seed');
        $this->assertSame(0, $worker->wait(30), $worker->describe());
        $this->assertCount(1, $this->runs($this->key('seed'), 'done'));
    }

    public function test_the_seed_dead_letter_example_publishes_failed_jobs_to_laravel_queue_failed(): void
    {
        $letters = [];
        Nats::subscribe('laravel.queue.failed', function (Message $m) use (&$letters) { $letters[] = $m->getDecodedPayload(); });
        Nats::connection()->flush();

        dispatch(new BackoffArrayJob($this->key('dlq')))->onConnection('seed-dlq')->onQueue($this->queue);
        $this->startWorker([], 'seed-dlq');
        $this->waitFor(function () use (&$letters) { Nats::process(0.1); return $letters; }, 20, 'the dead letter');
        $this->assertSame($this->queue, $letters[0]['original_queue']);
        $this->assertSame('seed-dlq', $letters[0]['original_connection']);
        $this->assertSame('backoff array attempt 3', $letters[0]['failure_message']);
        $this->assertCount(1, $this->failedRows(), 'and failed_jobs has it, as the seed says');
    }

    public function test_vendor_publish_writes_the_package_config_and_it_works(): void
    {
        $paths = ServiceProvider::pathsToPublish(NatsServiceProvider::class, 'nats-config');
        $this->assertCount(1, $paths);
        $this->assertSame(config_path('nats.php'), array_values($paths)[0]);

        // A second app directory: this app's configuration without config/nats.php.
        $base = self::dir() . '/published-app';
        foreach (['config', 'bootstrap/cache', 'storage/framework/views', 'storage/logs', 'storage/framework/cache/data'] as $dir) {
            @mkdir("{$base}/{$dir}", 0777, true);
        }
        foreach (['app', 'queue', 'database', 'cache', 'logging'] as $file) {
            copy(config_path("{$file}.php"), "{$base}/config/{$file}.php");
        }
        copy(base_path('composer.json'), "{$base}/composer.json");
        copy(base_path('bootstrap/cache/packages.php'), "{$base}/bootstrap/cache/packages.php");

        $publish = $this->runArtisan(['vendor:publish', '--tag=nats-config'], ['APP_BASE_PATH' => $base]);
        $this->assertSame(0, $publish->exitCode(), $publish->describe());
        $this->assertFileEquals(dirname(__DIR__, 4) . '/bindings-php/config/nats.php', "{$base}/config/nats.php");

        // The published file, as it is, drives the facade here and a worker there.
        config(['nats' => require "{$base}/config/nats.php"]);
        $this->app->forgetInstance('nats');
        Nats::clearResolvedInstance('nats');
        $got = [];
        Nats::subscribe('published.config', function (Message $m) use (&$got) { $got[] = $m->getDecodedPayload(); });
        Nats::connection()->flush();
        Nats::publish('published.config', ['ok' => 1]);
        $this->waitFor(function () use (&$got) { Nats::process(0.1); return $got; }, 5, 'a message through the published config');

        dispatch(new RecordJob($this->key('published')))->onConnection('nats-named')->onQueue($this->queue);
        $worker = $this->startWorker(['--stop-when-empty' => true], 'nats-named', ['APP_BASE_PATH' => $base]);
        $this->assertSame(0, $worker->wait(30), $worker->describe());
        $this->assertCount(1, $this->runs($this->key('published'), 'done'));
    }
}
