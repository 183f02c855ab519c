<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

use FFI\CData;
use NatsKit\Exception\NotFoundException;
use NatsKit\Library;
use NatsKit\Payload;

/**
 * A key-value bucket. An entry is `['key', 'value', 'revision', 'operation' (PUT|DEL|PURGE),
 * 'created' (RFC 3339), 'bucket', 'delta']`.
 */
final class KeyValue
{
    /** Takes ownership of a `natskit_kv *`. */
    public function __construct(private ?CData $handle, private readonly string $bucket)
    {
    }

    public function __destruct()
    {
        Library::free('natskit_kv_free', $this->handle);
    }

    public function getBucket(): string
    {
        return $this->bucket;
    }

    /** Sets a key; returns the new revision. */
    public function put(string $key, string $value): int
    {
        return Library::call('uint64_t', 'natskit_kv_put', $this->handle, $key, $value, strlen($value))->cdata;
    }

    /** Sets a key only when it does not exist (JetStreamException otherwise); returns the revision. */
    public function create(string $key, string $value): int
    {
        return Library::call('uint64_t', 'natskit_kv_create_key', $this->handle, $key, $value, strlen($value))->cdata;
    }

    /** Sets a key only when its latest revision is `$revision` (JetStreamException otherwise). */
    public function update(string $key, string $value, int $revision): int
    {
        return Library::call('uint64_t', 'natskit_kv_update', $this->handle, $key, $value, strlen($value), $revision)->cdata;
    }

    /** The current entry of a key, or null when it does not exist or was deleted. */
    public function get(string $key): ?array
    {
        $ffi = Library::ffi();
        $json = Library::out('char*');
        $data = Library::out('void*');
        $len = Library::out('size_t');
        try {
            Library::check($ffi->natskit_kv_get($this->handle, $key, \FFI::addr($json), \FFI::addr($data), \FFI::addr($len)));
        } catch (NotFoundException) {
            return null;
        }
        $entry = Library::ownedJson($json);
        $entry['value'] = Library::ownedBytes($data, $len->cdata);
        return $entry;
    }

    /** Deletes a key (its history is kept). */
    public function delete(string $key): void
    {
        Library::check(Library::ffi()->natskit_kv_delete($this->handle, $key));
    }

    /** Purges a key and its history. */
    public function purge(string $key): void
    {
        Library::check(Library::ffi()->natskit_kv_purge($this->handle, $key));
    }

    /** @return list<string> every live key */
    public function keys(): array
    {
        return Library::json('natskit_kv_keys', $this->handle);
    }

    /** @return list<array<string, mixed>> every kept revision of a key, oldest first */
    public function history(string $key): array
    {
        return Library::json('natskit_kv_history', $this->handle, $key);
    }

    /**
     * Watches keys matching `$pattern` (one key, a wildcard such as 'user.*', or '>' for all):
     * the current value of each key first, then every change. Options: `include_history`
     * (every kept revision first), `ignore_deletes` (no deletes or purges), `updates_only`
     * (changes only), each a bool.
     *
     * @param array<string, bool> $options
     */
    public function watch(string $pattern = '>', array $options = []): KeyValueWatch
    {
        $json = $options === [] ? null : Payload::json($options);
        return new KeyValueWatch(Library::call('natskit_kv_watcher*', 'natskit_kv_watch', $this->handle, $pattern, $json));
    }
}
