<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * A reserved job. Finish it once with complete(), delete(), release(), fail() or error();
 * each returns what happened (`['event' => 'processed'|'deleted'|'released'|'retrying'|'failed',
 * 'hook' => 'processed'|'released'|'failed', 'id' => …]`). Finishing twice is a QueueException.
 */
final class Job
{
    private string $id;
    private string $name;
    private string $queue;
    private int $attempts;
    private string $payloadJson;
    private string $rawBody;
    private ?array $event = null;
    private ?string $invalid;

    /** Takes ownership of a `natskit_job *`. */
    public function __construct(private ?CData $handle)
    {
        $this->id = (string) Library::lent('natskit_job_id', $handle);
        $this->name = (string) Library::lent('natskit_job_name', $handle);
        $this->queue = (string) Library::lent('natskit_job_queue', $handle);
        $this->payloadJson = (string) Library::lent('natskit_job_payload_json', $handle);
        $this->rawBody = (string) Library::lent('natskit_job_envelope_json', $handle);
        $this->attempts = Library::call('uint32_t', 'natskit_job_attempts', $handle)->cdata;
        $this->invalid = Library::lent('natskit_job_invalid', $handle);
    }

    public function __destruct()
    {
        Library::free('natskit_job_free', $this->handle);
    }

    /**
     * The W3C trace context the job was pushed with (as `Message::getTraceContext()`), or null.
     *
     * @return array{trace_id: string, span_id: string, flags: int, sampled: bool, tracestate: ?string}|null
     */
    public function getTraceContext(): ?array
    {
        $json = Library::lent('natskit_job_trace_context_json', $this->handle);
        return $json === null ? null : json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    /** The job id. */
    public function getJobId(): string
    {
        return $this->id;
    }

    /** The job's name (the handler key, e.g. `ProcessOrder`). */
    public function getName(): string
    {
        return $this->name;
    }

    /** The queue it came from. */
    public function getQueue(): string
    {
        return $this->queue;
    }

    /** Why the message taken is not a job (from a Prefetch pop), or null for a job. */
    public function invalidReason(): ?string
    {
        return $this->invalid;
    }

    /** This attempt's number (1 on the first run). */
    public function attempts(): int
    {
        return $this->attempts;
    }

    /** The data it was pushed with (JSON objects as associative arrays). */
    public function getPayload(): mixed
    {
        return json_decode($this->payloadJson, true, 512, JSON_THROW_ON_ERROR);
    }

    /** The whole envelope (`uuid`, `job`, `data`, `maxTries`, `backoff`, `attempts`, …). */
    public function payload(): array
    {
        return json_decode($this->rawBody, true, 512, JSON_THROW_ON_ERROR);
    }

    /** The envelope as stored (JSON). */
    public function getRawBody(): string
    {
        return $this->rawBody;
    }

    /** Done: the job leaves the queue. */
    public function complete(): array
    {
        return $this->finish('natskit_job_complete');
    }

    /** Deletes the job: it leaves the queue without counting as failed. */
    public function delete(): array
    {
        return $this->finish('natskit_job_delete');
    }

    /** Puts the job back, available again after `$delay` seconds. */
    public function release(float|int $delay = 0): array
    {
        return $this->finish('natskit_job_release', Library::millis($delay));
    }

    /** Fails the job now, whatever tries remain (into the failed store and the dead-letter subject). */
    public function fail(\Throwable|string|null $reason = null): array
    {
        $text = $reason instanceof \Throwable ? get_class($reason) . ': ' . $reason->getMessage() : $reason;
        return $this->finish('natskit_job_fail', $text);
    }

    /** Reports an exception: retried after its backoff, or failed when no tries remain. */
    public function error(\Throwable $e): array
    {
        return $this->finish('natskit_job_error', get_class($e), $e->getMessage(), $e->getTraceAsString());
    }

    /** True once finished. */
    public function isFinished(): bool
    {
        return $this->event !== null;
    }

    /** True once deleted (or completed). */
    public function isDeleted(): bool
    {
        return ($this->event['hook'] ?? null) === 'processed';
    }

    /** True once released (or put back for a retry). */
    public function isReleased(): bool
    {
        return ($this->event['hook'] ?? null) === 'released';
    }

    /** True once failed for good. */
    public function hasFailed(): bool
    {
        return ($this->event['event'] ?? null) === 'failed';
    }

    /** What finishing did, or null while the job is reserved. */
    public function event(): ?array
    {
        return $this->event;
    }

    /** Calls the finishing `$function($handle, ...$arguments, &$event)` and keeps the event. */
    private function finish(string $function, mixed ...$arguments): array
    {
        return $this->event = Library::json($function, $this->handle, ...$arguments);
    }
}
