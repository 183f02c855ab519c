<?php

declare(strict_types=1);

namespace NatsKit;

use NatsKit\Exception\ErrorCode;
use NatsKit\Exception\InvalidArgumentException;
use NatsKit\Exception\SerializationException;

/** Payload and header encoding shared by publish, request and respond. */
final class Payload
{
    /** Strings pass through as bytes; arrays, objects, numbers and booleans become JSON; null is empty. */
    public static function encode(mixed $payload): string
    {
        if (is_string($payload)) {
            return $payload;
        }
        if ($payload === null) {
            return '';
        }
        return self::json($payload);
    }

    /** Headers as the library's JSON (`{"Name": ["v1", "v2"]}`), or null when there are none. */
    public static function headers(array $headers): ?string
    {
        if ($headers === []) {
            return null;
        }
        $normalised = [];
        foreach ($headers as $name => $value) {
            $normalised[(string) $name] = array_map('strval', is_array($value) ? array_values($value) : [$value]);
        }
        return self::json($normalised);
    }

    /**
     * `headers()` with a caller's W3C trace context set (checked by the library: a malformed
     * one is an InvalidArgumentException).
     */
    public static function tracedHeaders(array $headers, ?string $traceparent, ?string $tracestate): ?string
    {
        if ($traceparent === null && $tracestate === null) {
            return self::headers($headers);
        }
        $json = Library::call('char*', 'natskit_trace_headers', self::headers($headers), $traceparent, $tracestate);
        return Library::ownedString($json);
    }

    /** Any value as JSON text (the library's JSON arguments). */
    public static function json(mixed $value): string
    {
        try {
            return json_encode($value, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        } catch (\JsonException $e) {
            $key = $e->getCode() === JSON_ERROR_INF_OR_NAN ? self::nonFinite($value) : null;
            if ($key !== null) {
                throw new InvalidArgumentException("{$key}: NaN and infinity are not numbers (use a finite value)", ErrorCode::INVALID_ARGUMENT);
            }
            throw new SerializationException('payload cannot be encoded as JSON: ' . $e->getMessage(), 13);
        }
    }

    /** The dotted key of the first NaN or infinite float in arrays and objects (JSON has no form for them). */
    private static function nonFinite(mixed $value, string $path = 'value'): ?string
    {
        if (is_float($value)) {
            return is_finite($value) ? null : $path;
        }
        if (!is_array($value) && !is_object($value)) {
            return null;
        }
        foreach ((array) $value as $key => $item) {
            $found = self::nonFinite($item, $path === 'value' ? (string) $key : "{$path}.{$key}");
            if ($found !== null) {
                return $found;
            }
        }
        return null;
    }
}
