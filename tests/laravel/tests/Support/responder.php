<?php

// A responder in its own process for the request/reply test: boots the fixture app, subscribes
// through the Nats facade and answers `{"id": N}` requests until it has answered one.

require __DIR__ . '/../../vendor/autoload.php';
$app = require __DIR__ . '/../../bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();

$answered = 0;
Nats::subscribe($argv[1], function (NatsKit\Message $message) use (&$answered) {
    $request = $message->getDecodedPayload();
    $message->respond(['id' => $request['id'], 'name' => "user {$request['id']}", 'pid' => getmypid()]);
    $answered++;
});
Nats::connection()->flush();
echo "ready\n";
$deadline = microtime(true) + 20;
while ($answered === 0 && microtime(true) < $deadline) {
    Nats::process(0.1);
}
Nats::connection()->flush();
exit($answered > 0 ? 0 : 1);
