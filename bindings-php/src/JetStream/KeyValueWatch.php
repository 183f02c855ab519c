<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

use FFI\CData;
use NatsKit\Exception\TimeoutException;
use NatsKit\Library;

/**
 * Entries of a bucket's watched keys, pulled with next(): the current value of each key
 * first, then every change. Entries are arrays as KeyValue::get() returns them.
 */
final class KeyValueWatch
{
    /** Takes ownership of a `natskit_kv_watcher *`. */
    public function __construct(private ?CData $handle)
    {
    }

    public function __destruct()
    {
        Library::free('natskit_kv_watch_free', $this->handle);
    }

    /**
     * Waits up to `$timeout` seconds for the next entry (null or 0 = only what has arrived);
     * null when none came. ClosedException once stopped.
     *
     * @return array<string, mixed>|null
     */
    public function next(?float $timeout = null): ?array
    {
        $ffi = Library::ffi();
        $json = Library::out('char*');
        $data = Library::out('void*');
        $len = Library::out('size_t');
        try {
            Library::check($ffi->natskit_kv_watch_next($this->handle, Library::timeout($timeout), \FFI::addr($json), \FFI::addr($data), \FFI::addr($len)));
        } catch (TimeoutException) {
            return null;
        }
        $entry = Library::ownedJson($json);
        $entry['value'] = Library::ownedBytes($data, $len->cdata);
        return $entry;
    }

    /** Whether every value that existed when the watch started has been delivered. */
    public function initialDone(): bool
    {
        return Library::call('bool', 'natskit_kv_watch_initial_done', $this->handle)->cdata;
    }

    /** Stops watching; next() throws ClosedException from now on. */
    public function stop(): void
    {
        Library::check(Library::ffi()->natskit_kv_watch_stop($this->handle));
    }
}
