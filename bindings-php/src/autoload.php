<?php

declare(strict_types=1);

// PSR-4 autoloader for NatsKit\ when the library is used without Composer.
spl_autoload_register(static function (string $class): void {
    $prefix = 'NatsKit\\';
    if (str_starts_with($class, $prefix)) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
