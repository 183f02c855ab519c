<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;
use NatsKit\Exception\TimeoutException;

/**
 * A queue read a batch at a time and handed out one job per pop() (`$queue->prefetch(16)`),
 * for workers that ask for one job at a time. Buffered jobs stay reserved; call unreserve()
 * before the process exits so they go back untouched.
 */
final class Prefetch
{
    private ?CData $handle;

    public function __construct(private readonly Queue $queue, int $size)
    {
        $handle = Library::out('natskit_prefetch*');
        Library::check(Library::ffi()->natskit_prefetch_new($queue->handle(), $size, \FFI::addr($handle)));
        $this->handle = $handle;
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            Library::ffi()->natskit_prefetch_free($this->handle);
            $this->handle = null;
        }
    }

    /** The next job, waiting up to `$timeout` seconds for one; null when none came. */
    public function pop(?float $timeout = null): ?Job
    {
        $job = Library::out('natskit_job*');
        try {
            Library::check(Library::ffi()->natskit_prefetch_pop($this->handle, Library::timeout($timeout), \FFI::addr($job)));
        } catch (TimeoutException) {
            return null;
        }
        return new Job($job);
    }

    /** Puts the buffered jobs back on the queue (attempts not counted); returns how many. */
    public function unreserve(): int
    {
        if ($this->handle === null) {
            return 0;
        }
        $count = Library::out('size_t');
        Library::check(Library::ffi()->natskit_prefetch_unreserve($this->handle, \FFI::addr($count)));
        return $count->cdata;
    }

    /** The queue read. */
    public function queue(): Queue
    {
        return $this->queue;
    }
}
