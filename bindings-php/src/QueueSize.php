<?php

declare(strict_types=1);

namespace NatsKit;

/** The numbers of one queue at one moment. */
final class QueueSize
{
    public function __construct(
        /** Jobs waiting to be taken. */
        public readonly int $ready,
        /** Jobs taken by a worker and not yet finished. */
        public readonly int $reserved,
        /** Jobs scheduled for later. */
        public readonly int $delayed,
        /** Jobs in the failed-jobs store. */
        public readonly int $failed,
        /** Seconds since the oldest waiting job was queued (0 when none waits). */
        public readonly float $oldestAge,
    ) {
    }

    /** From the library's JSON fields. */
    public static function fromArray(array $size): self
    {
        return new self($size['ready'], $size['reserved'], $size['delayed'], $size['failed'], (float) $size['oldest_age']);
    }
}
