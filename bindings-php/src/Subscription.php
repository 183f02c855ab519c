<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/** A subscription. Messages reach its callback through Client::process(), or next() pulls them. */
final class Subscription
{
    /** @var null|callable(Message): mixed */
    private $callback;

    /** Takes ownership of a `natskit_subscription *`. */
    public function __construct(
        private ?CData $handle,
        private readonly string $subject,
        private readonly ?string $queueGroup,
        ?callable $callback,
        private readonly ?\Closure $onClose = null,
    ) {
        $this->callback = $callback;
    }

    public function __destruct()
    {
        $this->release();
    }

    /** The subject subscribed to. */
    public function getSubject(): string
    {
        return $this->subject;
    }

    /** The queue group, if any. */
    public function getQueueGroup(): ?string
    {
        return $this->queueGroup;
    }

    /**
     * Waits up to `$timeout` seconds for the next message (null or 0 = only what has
     * arrived); null when none came.
     */
    public function next(?float $timeout = null): ?Message
    {
        $message = Library::callOrNull('natskit_message*', 'natskit_subscription_next', $this->handle(), Library::timeout($timeout));
        return $message === null ? null : new Message($message);
    }

    /** Messages dropped because this subscription fell behind. */
    public function dropped(): int
    {
        return Library::call('uint64_t', 'natskit_subscription_dropped', $this->handle())->cdata;
    }

    /** Stops interest now; buffered messages are discarded. */
    public function unsubscribe(): void
    {
        if ($this->handle !== null) {
            Library::check(Library::ffi()->natskit_subscription_unsubscribe($this->handle));
        }
        $this->release();
    }

    /** Stops interest but keeps what already arrived for next()/process(). */
    public function drain(): void
    {
        Library::check(Library::ffi()->natskit_subscription_drain($this->handle()));
    }

    /** True once unsubscribed. */
    public function isClosed(): bool
    {
        return $this->handle === null;
    }

    /** The native handle, for Client::process(). */
    public function handle(): CData
    {
        if ($this->handle === null) {
            throw new Exception\ClosedException("the subscription to {$this->subject} is closed", 9);
        }
        return $this->handle;
    }

    /** Hands a message to the callback. */
    public function dispatch(Message $message): void
    {
        if ($this->callback !== null) {
            ($this->callback)($message);
        }
    }

    private function release(): void
    {
        if ($this->handle !== null) {
            Library::ffi()->natskit_subscription_free($this->handle);
            $this->handle = null;
            if ($this->onClose !== null) {
                ($this->onClose)($this);
            }
        }
    }
}
