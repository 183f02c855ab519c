<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Queue;

use Illuminate\Container\Container;
use Illuminate\Contracts\Queue\Job as JobContract;
use Illuminate\Queue\InvalidPayloadException;
use Illuminate\Queue\Jobs\Job;
use NatsKit\Job as NatsKitJob;

/**
 * A job popped from the `nats` queue. delete() acknowledges it, release() stores the next
 * attempt durably (after the delay, attempts kept); a job pushed by another natskit host
 * whose `job` names a Laravel job class runs as that class built from its `data`.
 */
class NatsJob extends Job implements JobContract
{
    private string $rawBody;
    private ?string $invalid;

    public function __construct(
        Container $container,
        private readonly NatsQueue $nats,
        private readonly NatsKitJob $job,
        string $connectionName,
        string $queue,
    ) {
        $this->container = $container;
        $this->connectionName = $connectionName;
        $this->queue = $queue;
        $this->invalid = $job->invalidReason();
        if ($this->invalid === null) {
            try {
                $this->rawBody = $this->laravelBody();
                return;
            } catch (\Throwable $e) {
                $this->invalid = "job {$job->getName()} cannot be built from its data: {$e->getMessage()}";
            }
        }
        $this->rawBody = $this->invalidBody();
    }

    public function getJobId()
    {
        return $this->job->getJobId();
    }

    public function getRawBody()
    {
        return $this->rawBody;
    }

    public function attempts()
    {
        return $this->job->attempts();
    }

    /** Acknowledges the job: it leaves the queue. */
    public function delete()
    {
        parent::delete();
        if (!$this->job->isFinished()) {
            $this->job->delete();
        }
    }

    /** Stores the next attempt, available after `$delay` seconds; this one is acknowledged. */
    public function release($delay = 0)
    {
        parent::release($delay);
        if (!$this->job->isFinished()) {
            $this->job->release(max(0, (int) $delay));
        }
    }

    /** Fails the job (Laravel's failer records it) and publishes it to the dead-letter subject. */
    public function fail($e = null)
    {
        $failedBefore = $this->hasFailed();
        try {
            parent::fail($e);
        } finally {
            $subject = $this->nats->deadLetterSubject();
            if ($subject !== null && !$failedBefore) {
                $this->nats->queue($this->queue)->failed()->report(
                    NatsFailedJobProvider::record($this->connectionName, $this->queue, $this->rawBody, $e),
                    false,
                    $subject,
                );
            }
        }
    }

    public function fire()
    {
        if ($this->invalid !== null) {
            throw new InvalidPayloadException($this->invalid);
        }
        parent::fire();
    }

    /** The natskit job behind this one. */
    public function getNatsKitJob(): NatsKitJob
    {
        return $this->job;
    }

    protected function failed($e)
    {
        if ($this->invalid === null) {
            parent::failed($e);
        }
    }

    /**
     * The payload Laravel reads. Jobs dispatched by Laravel carry it as they are; a job from
     * another host naming a class with handle() (and no Laravel-style fire()) becomes that
     * class built from `data` (named arguments), with the envelope's limits kept.
     */
    private function laravelBody(): string
    {
        $envelope = $this->job->payload();
        $class = $envelope['job'] ?? '';
        if (str_contains($class, '@') || !class_exists($class)
            || !method_exists($class, 'handle') || method_exists($class, 'fire')) {
            return $this->job->getRawBody();
        }
        $data = $envelope['data'] ?? null;
        $command = is_array($data) ? new $class(...$data) : ($data === null ? new $class() : new $class($data));
        $payload = $this->nats->payloadFor($command, $this->queue);
        foreach (['maxTries', 'maxExceptions', 'timeout', 'retryUntil'] as $key) {
            $payload[$key] = $envelope[$key] ?? $payload[$key] ?? null;
        }
        if (isset($envelope['backoff'])) {
            $payload['backoff'] = implode(',', (array) $envelope['backoff']);
        }
        $payload['uuid'] = $envelope['uuid'];
        $payload['attempts'] = $envelope['attempts'] ?? 0;
        return json_encode($payload, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE);
    }

    /** A message that is not a job: one try, its text kept for the failed-jobs record. */
    private function invalidBody(): string
    {
        return json_encode([
            'uuid' => $this->job->getJobId(),
            'displayName' => 'invalid message',
            'job' => 'invalid',
            'maxTries' => 1,
            'data' => $this->job->getPayload(),
        ], JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
    }
}
