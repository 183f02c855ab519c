<?php

// The fixture's NATS connections: the seed README's `config/nats.php` example as it is, plus
// what the tests steer through the environment (marked "fixture:"). The artisan processes a
// test starts get the same environment, so every process talks to the test's nats-server.

return [

    'default' => env('NATS_CONNECTION', 'default'),

    'connections' => [
        'default' => [
            'host' => env('NATS_HOST', 'localhost'),
            'port' => (int) env('NATS_PORT', 4222),
            // fixture: the seed's documented auth variables (null when unset)
            'user' => env('NATS_USER'),
            'password' => env('NATS_PASSWORD'),
            'token' => env('NATS_TOKEN'),
            // fixture: the queue layout a test picks (per-queue streams, partitions of `default`)
            ...(env('NATS_QUEUE_STREAMS') ? ['queue' => [
                'streams' => env('NATS_QUEUE_STREAMS'),
                'queues' => ['default' => ['partitions' => (int) env('NATS_QUEUE_PARTITIONS', 1)]],
            ]] : []),
        ],
        'secondary' => [
            'host' => env('NATS_SECONDARY_HOST', 'nats-2.example.com'),
            // fixture: the seed hard-codes 4222; tests run their second server elsewhere
            'port' => (int) env('NATS_SECONDARY_PORT', 4222),
        ],
    ],

    'jetstream' => [
        'domain' => env('NATS_JETSTREAM_DOMAIN'),  // Optional: for multi-tenancy
        'timeout' => (float) env('NATS_JETSTREAM_TIMEOUT', 5.0),
    ],

];
