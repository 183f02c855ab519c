<?php

// natskit for Laravel: NATS connections (`php artisan vendor:publish --tag=nats-config`).
// Each connection takes the seed's keys (host, port, user, password, token) and every
// natskit connection key: servers (URL or list), tls, creds, nkey_seed, name,
// connect_timeout, request_timeout, ping_interval, reconnect, inbox_prefix, no_echo,
// retry_on_initial_connect, reconnect_buffer_size, ignore_discovered_servers, randomize,
// jetstream, queue.
// Durations are seconds. An unknown key fails with a CONFIG error naming it.

return [

    'default' => env('NATS_CONNECTION', 'default'),

    'connections' => [
        'default' => [
            'servers' => env('NATS_URL'),
            'host' => env('NATS_HOST', 'localhost'),
            'port' => (int) env('NATS_PORT', 4222),
            'user' => env('NATS_USER'),
            'password' => env('NATS_PASSWORD'),
            'token' => env('NATS_TOKEN'),
        ],
    ],

    // The natskit CLI that `php artisan nats:dashboard` runs (bin/natskit of the C release
    // archive); null looks for `natskit` on PATH.
    'cli' => env('NATSKIT_CLI'),

    // JetStream defaults for every connection that sets none of its own.
    'jetstream' => [
        'domain' => env('NATS_JETSTREAM_DOMAIN'),
        'timeout' => (float) env('NATS_JETSTREAM_TIMEOUT', 5.0),
    ],

];
