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
 * The library is found at $NATSKIT_LIB, else in $CARGO_TARGET_DIR or the repository's
 * target/ directory (debug, then release).
 */
final class Library
{
    private const OK = 0;

    private static ?FFI $ffi = null;

    /** The loaded FFI instance. */
    public static function ffi(): FFI
    {
        return self::$ffi ??= FFI::cdef(
            (string) file_get_contents(dirname(__DIR__) . '/natskit-ffi.h'),
            self::path(),
        );
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
        $targets = array_filter([getenv('CARGO_TARGET_DIR') ?: null, dirname(__DIR__, 2) . '/target']);
        foreach ($targets as $target) {
            foreach (['debug', 'release'] as $profile) {
                $candidate = "{$target}/{$profile}/libnatskit.so";
                if (is_file($candidate)) {
                    return $candidate;
                }
            }
        }
        throw new ConfigException(
            'libnatskit.so not found: build it with `cargo build -p natskit-c` or set NATSKIT_LIB',
            3,
        );
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
            throw NatsException::fromStatus($status, (string) self::ffi()->natskit_last_error());
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

    /** Seconds as the library's whole milliseconds (never negative). */
    public static function millis(float $seconds): int
    {
        return max(0, (int) round($seconds * 1000));
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
