<?php

// PHP through natskit (FFI): publish 16 B × 200k then flush (one publish() per message, then
// publishMany() of 250), and sequential requests 64 B × 5k (1/p50). Prints
// "<workload> <msgs/s>" lines for run.sh.
// Usage: php -d ffi.enable=1 bench_php.php <url> [respond]
// With "respond", answers requests on bench.req until killed.

declare(strict_types=1);

require dirname(__DIR__, 2) . '/bindings-php/src/autoload.php';

use NatsKit\Client;

const PUB_COUNT = 200000;
const PUB_SIZE = 16;
const PUB_BATCH = 250;
const REQ_COUNT = 5000;
const REQ_SIZE = 64;

$url = $argv[1] ?? exit("usage: bench_php.php <url> [respond]\n");
$client = Client::connect($url);

if (($argv[2] ?? '') === 'respond') {
    $sub = $client->subscribe('bench.req');
    $client->flush();
    echo "ready\n";
    while (true) {
        $msg = $sub->next(1.0);
        $msg?->respond($msg->getPayload());
    }
}

$payload = str_repeat('x', PUB_SIZE);
$t0 = hrtime(true);
for ($i = 0; $i < PUB_COUNT; $i++) {
    $client->publish('bench.pub', $payload);
}
$client->flush();
printf("php_publish_16B %.0f\n", PUB_COUNT / ((hrtime(true) - $t0) / 1e9));

$batch = array_fill(0, PUB_BATCH, $payload);
$t0 = hrtime(true);
for ($i = 0; $i < PUB_COUNT; $i += PUB_BATCH) {
    $client->publishMany('bench.pub', $batch);
}
$client->flush();
printf("php_publish_packed_16B %.0f\n", PUB_COUNT / ((hrtime(true) - $t0) / 1e9));

$payload = str_repeat('x', REQ_SIZE);
$latencies = [];
for ($i = 0; $i < REQ_COUNT; $i++) {
    $t0 = hrtime(true);
    if ($client->request('bench.req', $payload, 5.0)->getPayload() !== $payload) {
        fwrite(STDERR, "bench_php: wrong reply\n");
        exit(1);
    }
    $latencies[] = hrtime(true) - $t0;
}
sort($latencies);
printf("php_request_64B %.0f\n", 1e9 / $latencies[intdiv(REQ_COUNT, 2)]);
