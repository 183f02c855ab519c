<?php

// Queue connections of the fixture. `seed` and `seed-dlq` are the seed README's two
// `config/queue.php` examples copied as they are (only their key differs: both are `nats`
// there). `nats` is the one the tests work: the seed's keys, with what a test must vary
// (retry_after, block_for, prefetch) read from the environment. `nats-named` uses the
// connection `default` of config/nats.php instead of host/port keys. `redis` and `database`
// are Laravel's own drivers, which bench/laravel measures natskit against.

return [

    'default' => env('QUEUE_CONNECTION', 'sync'),

    'connections' => [

        'sync' => [
            'driver' => 'sync',
        ],

        'nats' => [
            'driver' => 'nats',
            'host' => env('NATS_HOST', 'localhost'),
            'port' => env('NATS_PORT', 4222),
            'user' => env('NATS_USER'),
            'password' => env('NATS_PASSWORD'),
            'token' => env('NATS_TOKEN'),
            'queue' => env('NATS_QUEUE', 'default'),
            'retry_after' => env('NATS_RETRY_AFTER', 60),
            'dead_letter_queue' => env('NATS_QUEUE_DLQ', 'failed'), // Optional
            'block_for' => env('NATS_BLOCK_FOR'),
            'prefetch' => env('NATS_PREFETCH', 16),
        ],

        'nats-named' => [
            'driver' => 'nats',
            'connection' => env('NATS_QUEUE_NATS_CONNECTION', 'default'),
            'queue' => 'default',
            'retry_after' => env('NATS_RETRY_AFTER', 60),
        ],

        // Laravel's own drivers, for bench/laravel (natskit next to redis and database).
        'redis' => [
            'driver' => 'redis',
            'connection' => 'default',
            'queue' => env('REDIS_QUEUE', 'default'),
            'retry_after' => 90,
            'block_for' => null,
        ],

        'database' => [
            'driver' => 'database',
            'table' => 'jobs',
            'queue' => 'default',
            'retry_after' => 90,
        ],

        // The seed README's first example, as it is.
        'seed' => [
            'driver' => 'nats',
            'host' => env('NATS_HOST', 'localhost'),
            'port' => env('NATS_PORT', 4222),
            'user' => env('NATS_USER'),
            'password' => env('NATS_PASSWORD'),
            'token' => env('NATS_TOKEN'),
            'queue' => env('NATS_QUEUE', 'default'),
            'retry_after' => 60,
        ],

        // The seed README's dead-letter example, as it is.
        'seed-dlq' => [
            'driver' => 'nats',
            'host' => env('NATS_HOST', 'localhost'),
            'port' => env('NATS_PORT', 4222),
            'queue' => env('NATS_QUEUE', 'default'),
            'retry_after' => 60,
            'dead_letter_queue' => env('NATS_QUEUE_DLQ', 'failed'), // Optional
        ],

    ],

    // `database-uuids` writes Laravel's failed_jobs table; `nats` (the package's failer) keeps
    // failed jobs in natskit's store, the one `natskit queue failed` reads.
    'failed' => [
        'driver' => env('QUEUE_FAILED_DRIVER', 'database-uuids'),
        'database' => env('DB_CONNECTION', 'sqlite'),
        'table' => 'failed_jobs',
        'connection' => env('QUEUE_FAILED_CONNECTION', 'nats'),
    ],

];
