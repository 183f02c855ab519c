<?php

declare(strict_types=1);

// The PHP part of `make demo`: publish/subscribe, wildcards, queue groups, request/reply and
// errors through natskit, against $NATS_URL or an embedded local server.
require dirname(__DIR__) . '/src/autoload.php';

use NatsKit\Client;
use NatsKit\Exception\NatsException;
use NatsKit\LocalServer;
use NatsKit\Message;

$server = getenv('NATS_URL') ? null : new LocalServer(['jetstream' => false]);
$url = getenv('NATS_URL') ?: $server->url();
echo "== PHP (natskit " . NatsKit\Library::version() . " via FFI) against {$url} ==\n";

$nats = Client::connect($url);
$nats->subscribe('orders.*', function (Message $m): void {
    echo "  orders.*      got {$m->getSubject()}: " . json_encode($m->getDecodedPayload()) . "\n";
});
$nats->subscribe('orders.>', function (Message $m): void {
    echo "  orders.>      got {$m->getSubject()}\n";
});
$nats->publish('orders.created', ['order_id' => 123, 'customer' => 'John Doe']);
$nats->publish('orders.eu.shipped', ['order_id' => 7]);
$nats->process(1.0);

foreach (['worker-1', 'worker-2'] as $worker) {
    $nats->subscribe('jobs', function (Message $m) use ($worker): void {
        echo "  queue group   {$worker} took {$m->getPayload()}\n";
    }, 'workers');
}
foreach (range(1, 4) as $i) {
    $nats->publish('jobs', "job {$i}");
}
$nats->flush();
$nats->process(1.0);

$nats->subscribe('users.get', function (Message $m): void {
    $m->respond(['id' => $m->getDecodedPayload()['id'], 'name' => 'Ada'], ['X-Served-By' => 'php']);
});
$inbox = $nats->subscribe('demo.inbox');
$nats->publish('users.get', ['id' => 42], [], 'demo.inbox');
$nats->process(1.0);
$reply = $inbox->next(2.0);
echo "  request/reply answer " . $reply->getPayload() . " (X-Served-By: {$reply->getHeader('X-Served-By')})\n";

try {
    $nats->request('nobody.home', 'anyone?', 1.0);
} catch (NatsException $e) {
    echo "  error         " . get_class($e) . " code {$e->getCode()}: {$e->getMessage()}\n";
}
echo "  stats         " . json_encode($nats->stats()) . "\n";
$nats->close();
