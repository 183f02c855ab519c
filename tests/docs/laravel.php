<?php

// Runs a README block (the PHP file argv[1]) inside the booted Laravel fixture app of
// tests/laravel, as code in a Laravel application would run (facades, helpers, its jobs).
// With argv[2] = "config" the file returns a config array (a config file or a fragment of
// one), which must evaluate in the app.

require __DIR__ . '/../laravel/vendor/autoload.php';
$app = require __DIR__ . '/../laravel/bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();

// Laravel's console exception handler would print an uncaught error and exit 0.
try {
    $result = require $argv[1];
} catch (Throwable $e) {
    fwrite(STDERR, get_class($e) . ': ' . $e->getMessage() . "\n" . $e->getTraceAsString() . "\n");
    exit(1);
}
if (($argv[2] ?? '') === 'config' && !is_array($result)) {
    fwrite(STDERR, "the config block does not evaluate to an array\n");
    exit(1);
}
