<?php

// A file store: Laravel counts `maxExceptions` and worker restarts in the cache, which must be
// shared by every worker process (an `array` store never trips maxExceptions across processes).

return [

    'default' => env('CACHE_DRIVER', 'file'),

    'stores' => [
        'file' => [
            'driver' => 'file',
            'path' => env('CACHE_PATH', storage_path('framework/cache/data')),
        ],
        'array' => [
            'driver' => 'array',
            'serialize' => false,
        ],
    ],

    'prefix' => 'natskit_fixture',

];
