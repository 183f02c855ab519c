<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

use FFI\CData;
use NatsKit\Library;

/**
 * Messages of a consumer (`$js->consume()`) or of a stream in order (`$js->ordered()`),
 * arriving in the background and taken with next(); each is a JetStreamMessage, as fetch()
 * returns (acknowledge those of a consumer; an ordered consumer needs no acks).
 */
final class ConsumerMessages
{
    /** Takes ownership of a `natskit_js_consumer_messages *`. */
    public function __construct(private ?CData $handle)
    {
    }

    public function __destruct()
    {
        Library::free('natskit_js_consume_free', $this->handle);
    }

    /**
     * Waits up to `$timeout` seconds for the next message (null or 0 = only what has
     * arrived); null when none came. ClosedException once stopped.
     */
    public function next(?float $timeout = null): ?JetStreamMessage
    {
        $message = Library::callOrNull('natskit_js_msg*', 'natskit_js_consume_next', $this->handle, Library::timeout($timeout));
        return $message === null ? null : new JetStreamMessage($message);
    }

    /** Stops pulling; next() throws ClosedException from now on. */
    public function stop(): void
    {
        Library::check(Library::ffi()->natskit_js_consume_stop($this->handle));
    }
}
