<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * A queue read a batch at a time and handed out one job per pop() (`$queue->prefetch(16)`;
 * 0 adapts: 1 up to 64 a pull while jobs are short, held jobs go back after 0.1 s without a
 * pop), for workers that ask for one job at a time. Buffered jobs stay reserved; call
 * unreserve() before the process exits so they go back untouched.
 */
final class Prefetch
{
    private ?CData $handle;

    public function __construct(private readonly Queue $queue, int $size)
    {
        $this->handle = Library::call('natskit_prefetch*', 'natskit_prefetch_new', $queue->handle(), $size);
    }

    public function __destruct()
    {
        Library::free('natskit_prefetch_free', $this->handle);
    }

    /** The next job, waiting up to `$timeout` seconds for one; null when none came. */
    public function pop(?float $timeout = null): ?Job
    {
        $job = Library::callOrNull('natskit_job*', 'natskit_prefetch_pop', $this->handle, Library::timeout($timeout));
        return $job === null ? null : new Job($job);
    }

    /** Puts the buffered jobs back on the queue (attempts not counted); returns how many. */
    public function unreserve(): int
    {
        if ($this->handle === null) {
            return 0;
        }
        return Library::call('size_t', 'natskit_prefetch_unreserve', $this->handle)->cdata;
    }

    /** The queue read. */
    public function queue(): Queue
    {
        return $this->queue;
    }
}
