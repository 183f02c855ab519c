<?php

declare(strict_types=1);

// Cross-host queue: PHP pushes the jobs (argv: nats URL, queue name).
require dirname(__DIR__, 2) . '/bindings-php/src/autoload.php';

use NatsKit\Client;

$nats = Client::connect(['servers' => $argv[1]]);
$orders = $nats->queue($argv[2]);
$order = $orders->push('ProcessOrder', ['order_id' => 42, 'total' => 99.5], ['tries' => 3, 'backoff' => [1]]);
$charge = $orders->push('ChargeCard', ['order_id' => 43, 'card' => '4242'], ['tries' => 2, 'backoff' => [0.5]]);
echo "[php]    pushed ProcessOrder {$order} and ChargeCard {$charge} onto '{$argv[2]}' (ready: {$orders->size()})\n";
$nats->close();
