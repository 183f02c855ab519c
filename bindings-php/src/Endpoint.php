<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/** The requests of one service endpoint, pulled with next(). */
final class Endpoint
{
    /** Takes ownership of a `natskit_endpoint *`. */
    public function __construct(private ?CData $handle, private readonly string $subject)
    {
    }

    public function __destruct()
    {
        Library::free('natskit_endpoint_free', $this->handle);
    }

    /** The full subject it listens on. */
    public function getSubject(): string
    {
        return $this->subject;
    }

    /**
     * Waits up to `$timeout` seconds for the next request (null or 0 = only what has arrived);
     * null when none came. ClosedException once the service stopped and every request that had
     * arrived was handed out.
     */
    public function next(?float $timeout = null): ?ServiceRequest
    {
        $handle = $this->handle ?? throw new Exception\ClosedException("the endpoint on {$this->subject} has been released", 9);
        $request = Library::callOrNull('natskit_service_request*', 'natskit_endpoint_next', $handle, Library::timeout($timeout));
        return $request === null ? null : new ServiceRequest($request);
    }
}
