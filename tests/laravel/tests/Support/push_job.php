<?php

// Another natskit host that is not Laravel: plain PHP with the natskit library only (no
// framework), pushing `<job> <json data>` to a queue, as Python, Node, C or the CLI would.
// Usage: push_job.php <url> <queue> <job> <json data>

require dirname(__DIR__, 4) . '/bindings-php/src/autoload.php';

[, $url, $queue, $job, $data] = $argv;
$client = NatsKit\Client::connect($url);
$id = $client->queue($queue)->push($job, json_decode($data, true, 512, JSON_THROW_ON_ERROR));
echo "pushed {$job} as {$id}\n";
