<?php

// A Laravel process that uses the Nats facade, then ends: boots the fixture app, publishes,
// prints "published", waits until the file $argv[1] exists (the test stops the server first),
// publishes again and exits. The test checks that it does exit.

require __DIR__ . '/../../vendor/autoload.php';
$app = require __DIR__ . '/../../bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();

Nats::publish('lifecycle.hello', ['pid' => getmypid()]);
Nats::connection()->flush();
echo "published\n";
$deadline = microtime(true) + 30;
while (!file_exists($argv[1]) && microtime(true) < $deadline) {
    usleep(20_000);
}
try {
    Nats::publish('lifecycle.bye', ['pid' => getmypid()]);
    echo "published again\n";
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
echo "exiting\n";
