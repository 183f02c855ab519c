<?php

// A Composer project's use of the dist archive: argv[1] is the server URL, argv[2] the
// expected version, argv[3] the setting: plain (no preloading), classes (opcache preloaded the
// NatsKit classes), scope (and the FFI scope), restricted (the classes, and FFI is closed to
// code that is not preloaded, as in php-fpm). Prints where the library was found.

declare(strict_types=1);

require __DIR__ . '/vendor/autoload.php';

use Composer\InstalledVersions;
use NatsKit\Library;
use NatsKit\Nats;

[, $url, $version, $setting] = $argv;
$check = static function (bool $ok, string $what): void {
    if (!$ok) {
        fwrite(STDERR, "failed: {$what}\n");
        exit(1);
    }
};
$check(InstalledVersions::getPrettyVersion('natskit/natskit') === $version, 'package version');
$check(Library::version() === $version, 'library version');

$nats = Nats::connect(['servers' => $url]);
$sub = $nats->subscribe('dist.php');
$nats->publish('dist.php', ['n' => 1]);
$message = $sub->next(5.0);
$check($message !== null && $message->getDecodedPayload() === ['n' => 1], 'publish/next');
$nats->close();

if ($setting !== 'plain') {
    $classes = opcache_get_status()['preload_statistics']['classes'] ?? [];
    $check(in_array(Library::class, $classes, true), 'NatsKit classes preloaded');
}
if ($setting === 'scope') {
    $check(FFI::scope(Library::SCOPE) instanceof FFI, 'FFI scope ' . Library::SCOPE);
}
if ($setting === 'restricted') {
    try {
        FFI::cdef('int abs(int);');
        $check(false, 'FFI restricted to preloaded code');
    } catch (FFI\Exception) {
    }
}
echo Library::path(), "\n";
