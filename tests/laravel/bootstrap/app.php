<?php

// The fixture application: a Laravel app reduced to what queues, artisan and tests need.
// APP_BASE_PATH (read with getenv too: php-cli leaves $_ENV empty) lets a test run this app's
// artisan over another directory, e.g. to see what `vendor:publish` writes there.

$app = new Illuminate\Foundation\Application(
    $_ENV['APP_BASE_PATH'] ?? (getenv('APP_BASE_PATH') ?: dirname(__DIR__))
);

$app->singleton(
    Illuminate\Contracts\Console\Kernel::class,
    App\Console\Kernel::class
);

$app->singleton(
    Illuminate\Contracts\Debug\ExceptionHandler::class,
    App\Exceptions\Handler::class
);

return $app;
