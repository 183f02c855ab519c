<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

use FFI\CData;
use NatsKit\Exception\TimeoutException;
use NatsKit\Library;

/**
 * Object infos of a watched bucket, pulled with next(): the objects already there first,
 * then every put and delete (an info with `deleted` true).
 */
final class ObjectStoreWatch
{
    /** Takes ownership of a `natskit_obj_watcher *`. */
    public function __construct(private ?CData $handle)
    {
    }

    public function __destruct()
    {
        Library::free('natskit_obj_watch_free', $this->handle);
    }

    /**
     * Waits up to `$timeout` seconds for the next info (null or 0 = only what has arrived);
     * null when none came. ClosedException once stopped.
     *
     * @return array<string, mixed>|null
     */
    public function next(?float $timeout = null): ?array
    {
        try {
            return Library::json('natskit_obj_watch_next', $this->handle, Library::timeout($timeout));
        } catch (TimeoutException) {
            return null;
        }
    }

    /** Stops watching; next() throws ClosedException from now on. */
    public function stop(): void
    {
        Library::check(Library::ffi()->natskit_obj_watch_stop($this->handle));
    }
}
