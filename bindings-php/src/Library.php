<?php

declare(strict_types=1);

namespace NatsKit;

use FFI;
use FFI\CData;
use NatsKit\Exception\ConfigException;
use NatsKit\Exception\NatsException;

/**
 * Loads libnatskit through FFI once per process and turns its statuses into exceptions.
 *
 * The library is found at $NATSKIT_LIB; in a checkout of the repository, in $CARGO_TARGET_DIR
 * or target/ (debug, then release); in the package's own lib/ (the dist archive bundles the
 * Linux x86-64 build); in the system's library directories; then where pkg-config says.
 * Under opcache preloading (preload.php) the declarations come from the FFI scope SCOPE.
 */
final class Library
{
    /** The FFI scope preload.php loads the declarations into. */
    public const SCOPE = 'NATSKIT';

    /** The C ABI's timeout encoding (natskit.h: NATSKIT_TIMEOUT_DEFAULT, NATSKIT_NO_WAIT). */
    public const TIMEOUT_DEFAULT = -1;
    public const NO_WAIT = 0;

    /** `natskit_duration_unit`: durations inside JSON in seconds. */
    public const UNIT_SECONDS = 1;

    private const OK = 0;

    private const FILE = 'libnatskit.so';

    private const SYSTEM_DIRS = [
        '/usr/local/lib',
        '/usr/local/lib64',
        '/usr/lib/x86_64-linux-gnu',
        '/lib/x86_64-linux-gnu',
        '/usr/lib64',
        '/usr/lib',
    ];

    private static ?FFI $ffi = null;

    /** The loaded FFI instance. */
    public static function ffi(): FFI
    {
        return self::$ffi ??= self::preloaded() ?? FFI::cdef(self::declarations(), self::path());
    }

    /** The C declarations (natskit-ffi.h, generated from the C ABI). */
    public static function declarations(): string
    {
        return (string) file_get_contents(dirname(__DIR__) . '/natskit-ffi.h');
    }

    /** The absolute path of libnatskit.so that will be (or was) loaded. */
    public static function path(): string
    {
        $explicit = getenv('NATSKIT_LIB');
        if (is_string($explicit) && $explicit !== '') {
            if (!is_file($explicit)) {
                throw new ConfigException("NATSKIT_LIB={$explicit} is not a file", 3);
            }
            return $explicit;
        }
        $dirs = [];
        foreach (array_filter([getenv('CARGO_TARGET_DIR') ?: null, dirname(__DIR__, 2) . '/target']) as $target) {
            array_push($dirs, "{$target}/debug", "{$target}/release");
        }
        array_push($dirs, dirname(__DIR__) . '/lib', ...self::SYSTEM_DIRS);
        foreach ($dirs as $dir) {
            if (is_file($dir . '/' . self::FILE)) {
                return $dir . '/' . self::FILE;
            }
        }
        $pkgConfig = self::pkgConfigLibdir();
        if ($pkgConfig !== null && is_file($pkgConfig . '/' . self::FILE)) {
            return $pkgConfig . '/' . self::FILE;
        }
        throw new ConfigException(sprintf(
            '%s not found in %s, nor through pkg-config (%s): set NATSKIT_LIB, install the natskit '
            . 'C release (its lib/ in a system directory or on PKG_CONFIG_PATH), or use the '
            . 'Composer archive that bundles it',
            self::FILE,
            implode(', ', $dirs),
            $pkgConfig === null ? 'natskit not found' : "libdir {$pkgConfig}",
        ), 3);
    }

    /** The declarations preload.php put in the FFI scope, when opcache preloads. */
    private static function preloaded(): ?FFI
    {
        if ((string) ini_get('opcache.preload') === '') {
            return null;
        }
        try {
            return FFI::scope(self::SCOPE);
        } catch (FFI\Exception) {
            return null;
        }
    }

    /** `pkg-config --variable=libdir natskit`, or null when it has none. */
    private static function pkgConfigLibdir(): ?string
    {
        if (!function_exists('shell_exec')) {
            return null;
        }
        $libdir = trim((string) shell_exec('pkg-config --variable=libdir natskit 2>/dev/null'));
        return $libdir === '' ? null : $libdir;
    }

    /** The library version. */
    public static function version(): string
    {
        return (string) self::ffi()->natskit_version();
    }

    /** Throws the mapped exception unless `$status` is OK. */
    public static function check(int $status): void
    {
        if ($status !== self::OK) {
            $ffi = self::ffi();
            throw NatsException::fromStatus(
                $status,
                (string) $ffi->natskit_last_error(),
                (int) $ffi->natskit_last_error_server_code(),
            );
        }
    }

    /**
     * Calls `$function(...$arguments, &$out)` with a fresh out-param of C type `$type`
     * (`natskit_client*`, `uint64_t`) and returns the out-param.
     */
    public static function call(string $type, string $function, mixed ...$arguments): CData
    {
        $out = self::out($type);
        self::check(self::ffi()->$function(...[...$arguments, FFI::addr($out)]));
        return $out;
    }

    /** call(), or null when nothing came within the wait (`NATSKIT_STATUS_TIMEOUT`). */
    public static function callOrNull(string $type, string $function, mixed ...$arguments): ?CData
    {
        try {
            return self::call($type, $function, ...$arguments);
        } catch (Exception\TimeoutException) {
            return null;
        }
    }

    /** call() of a function that answers an owned `char *` of JSON, decoded (null for NULL). */
    public static function json(string $function, mixed ...$arguments): mixed
    {
        return self::ownedJson(self::call('char*', $function, ...$arguments));
    }

    /** call() of a function that lends a `const char *`, as a PHP string (null for NULL). */
    public static function lent(string $function, mixed ...$arguments): ?string
    {
        return self::lentString(self::call('const char*', $function, ...$arguments));
    }

    /** `$function($handle, &$data, &$len)` lending `const uint8_t *` bytes, as a PHP string. */
    public static function lentBytes(string $function, CData $handle): string
    {
        $data = self::out('const uint8_t*');
        $len = self::out('size_t');
        self::check(self::ffi()->$function($handle, FFI::addr($data), FFI::addr($len)));
        return $len->cdata > 0 ? FFI::string($data, $len->cdata) : '';
    }

    /** Frees `$handle` with `$function` and forgets it; a released (null) handle does nothing. */
    public static function free(string $function, ?CData &$handle): void
    {
        if ($handle !== null) {
            self::ffi()->$function($handle);
            $handle = null;
        }
    }

    /** A fresh out-param of the given C type (`natskit_client*`), passed as FFI::addr(). */
    public static function out(string $type): CData
    {
        return self::ffi()->new($type);
    }

    /** A lent `const char *` as a PHP string (null for NULL). */
    public static function lentString(CData $pointer): ?string
    {
        return FFI::isNull($pointer) ? null : FFI::string($pointer);
    }

    /** An owned `char *` of JSON decoded to arrays, freeing it (null for NULL). */
    public static function ownedJson(CData $pointer): mixed
    {
        $text = self::ownedString($pointer);
        return $text === null ? null : json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }

    /** A lent `const char *` of JSON decoded to arrays. */
    public static function lentJson(CData $pointer): mixed
    {
        return json_decode((string) self::lentString($pointer), true, 512, JSON_THROW_ON_ERROR);
    }

    /** An owned `uint8_t *` buffer of `$len` bytes as a PHP string, freeing it. */
    public static function ownedBytes(CData $pointer, int $len): string
    {
        if (FFI::isNull($pointer)) {
            return '';
        }
        try {
            return FFI::string($pointer, $len);
        } finally {
            self::ffi()->natskit_bytes_free($pointer, $len);
        }
    }

    /**
     * Seconds as the C ABI's whole milliseconds. Negative and huge values go through (saturated
     * to the integer range) so that natskit refuses them with INVALID_ARGUMENT, as in every host.
     */
    public static function millis(float $seconds, string $what = 'duration'): int
    {
        if (is_nan($seconds)) {
            throw NatsException::fromStatus(Exception\ErrorCode::INVALID_ARGUMENT, "{$what}: NaN is not a number of seconds");
        }
        $millis = round($seconds * 1000);
        return $millis >= PHP_INT_MAX ? PHP_INT_MAX : ($millis <= -PHP_INT_MAX ? -PHP_INT_MAX : (int) $millis);
    }

    /**
     * An array of `$count` out-slots for the library to fill; a count below 1 is
     * INVALID_ARGUMENT, as in every host (FFI would throw its own parser error).
     */
    public static function slots(string $type, int $count, string $what): CData
    {
        if ($count < 1) {
            throw NatsException::fromStatus(Exception\ErrorCode::INVALID_ARGUMENT, "{$what}: {$count} is not a whole number from 1");
        }
        return self::ffi()->new("{$type}[{$count}]");
    }

    /**
     * A timeout in seconds as the C ABI's encoding: null = the configured default
     * (`NATSKIT_TIMEOUT_DEFAULT`), 0 = no wait (`NATSKIT_NO_WAIT`), else milliseconds (at least 1).
     */
    public static function timeout(?float $seconds): int
    {
        if ($seconds === null) {
            return self::TIMEOUT_DEFAULT;
        }
        if (is_nan($seconds) || $seconds < 0) {
            throw new Exception\InvalidArgumentException("timeout must be null, 0 or positive seconds, got {$seconds}", Exception\ErrorCode::INVALID_ARGUMENT);
        }
        return $seconds == 0 ? self::NO_WAIT : max(1, self::millis($seconds));
    }

    /** An owned `char *` as a PHP string, freeing it (null for NULL). */
    public static function ownedString(CData $pointer): ?string
    {
        if (FFI::isNull($pointer)) {
            return null;
        }
        try {
            return FFI::string($pointer);
        } finally {
            self::ffi()->natskit_string_free($pointer);
        }
    }
}
