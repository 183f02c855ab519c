<?php

declare(strict_types=1);

/*
 * opcache.preload script for php-fpm with `ffi.enable=preload`, where only preloaded code may
 * use FFI: it preloads the NatsKit classes (the Laravel ones need Illuminate and call no FFI)
 * and loads libnatskit's declarations once into the FFI scope NatsKit\Library::SCOPE.
 *
 *   opcache.enable=1
 *   opcache.preload=/app/vendor/natskit/natskit/preload.php
 *   ffi.enable=preload
 *
 * When opcache.preload_user is set (a master running as root), PHP cannot FFI::load while
 * preloading; the classes are still preloaded and each request reads the declarations itself.
 */

require __DIR__ . '/src/autoload.php';

$src = __DIR__ . '/src/';
foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator($src, FilesystemIterator::SKIP_DOTS)) as $file) {
    $class = substr($file->getPathname(), strlen($src), -strlen('.php'));
    if ($file->getExtension() === 'php' && $class !== 'autoload' && !str_starts_with($class, 'Laravel/')) {
        class_exists('NatsKit\\' . str_replace('/', '\\', $class));
    }
}

$header = (string) tempnam(sys_get_temp_dir(), 'natskit-ffi-');
try {
    file_put_contents($header, sprintf(
        "#define FFI_SCOPE \"%s\"\n#define FFI_LIB \"%s\"\n%s",
        NatsKit\Library::SCOPE,
        NatsKit\Library::path(),
        NatsKit\Library::declarations(),
    ));
    FFI::load($header);
} catch (FFI\Exception) {
    // opcache.preload_user: NatsKit\Library falls back to FFI::cdef per request.
} finally {
    unlink($header);
}
