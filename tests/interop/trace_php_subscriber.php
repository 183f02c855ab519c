<?php

declare(strict_types=1);

// Cross-host trace: a PHP subscriber (argv: nats URL, subject) prints the trace context of
// the first message it gets.
require dirname(__DIR__, 2) . '/bindings-php/src/autoload.php';

use NatsKit\Client;

$nats = Client::connect(['servers' => $argv[1]]);
$sub = $nats->subscribe($argv[2]);
$nats->flush();
echo "[php]    subscribed to {$argv[2]}\n";
flush();
$msg = $sub->next(20.0);
$ctx = $msg?->getTraceContext();
echo '[php]    message got trace ' . ($ctx['trace_id'] ?? 'none') . "\n";
$nats->close();
