<?php

declare(strict_types=1);

namespace NatsKit\Laravel;

use Illuminate\Queue\Events\JobFailed;
use Illuminate\Support\ServiceProvider;
use NatsKit\Laravel\Queue\NatsConnector;
use NatsKit\Laravel\Queue\NatsFailedJobProvider;
use NatsKit\Laravel\Queue\NatsQueue;

/**
 * Wires natskit into Laravel: the `nats` manager and facade, the `nats` queue driver, the
 * `nats` failed-job provider, the `nats:*` artisan commands and `config/nats.php`.
 */
class NatsServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        $this->mergeConfigFrom(dirname(__DIR__, 2) . '/config/nats.php', 'nats');
        $this->app->singleton('nats', fn ($app) => new NatsManager($app['config']['nats'] ?? []));
        $this->app->alias('nats', NatsManager::class);

        $this->app->afterResolving('queue', function ($manager, $app): void {
            $manager->addConnector('nats', fn () => new NatsConnector($app['nats']));
        });
        $this->app->extend('queue.failer', function ($failer, $app) {
            $config = $app['config']['queue.failed'] ?? [];
            if (($config['driver'] ?? null) !== 'nats') {
                return $failer;
            }
            return new NatsFailedJobProvider(function () use ($app, $config) {
                $queue = $app['queue']->connection($config['connection'] ?? 'nats');
                if (!$queue instanceof NatsQueue) {
                    throw new \NatsKit\Exception\ConfigException(
                        'queue.failed.connection must name a queue connection with the nats driver',
                        3,
                    );
                }
                return $queue->queue()->failed();
            });
        });
    }

    public function boot(): void
    {
        if ($this->app->runningInConsole()) {
            $this->publishes([dirname(__DIR__, 2) . '/config/nats.php' => $this->app->configPath('nats.php')], 'nats-config');
            $this->commands(Console\Commands::ALL);
            $this->app->booted(fn ($app) => self::validate($app['config']['nats'] ?? []));
        }
    }

    /**
     * Checks config/nats.php when a console process boots (workers, artisan): an unknown key
     * or a bad value fails now, naming the connection and the key. Web requests skip it (it
     * loads the library) and see the same error on first use. Without the library there is
     * nothing to check with yet.
     */
    private static function validate(array $config): void
    {
        if (!extension_loaded('ffi')) {
            return;
        }
        try {
            \NatsKit\Library::path();
        } catch (\NatsKit\Exception\ConfigException) {
            return;
        }
        // A manager of its own: the `nats` singleton is built on first use, from the config then.
        (new NatsManager($config))->validate();
    }
}
