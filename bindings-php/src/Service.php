<?php

declare(strict_types=1);

namespace NatsKit;

use FFI\CData;

/**
 * A running service (NATS services, "micro"): discoverable through `$SRV.PING|INFO|STATS`
 * (answered by natskit's own threads), its endpoints read pull-style with Endpoint::next().
 */
final class Service
{
    private readonly string $id;

    /** Takes ownership of a `natskit_service *`. */
    public function __construct(private ?CData $handle, private readonly string $name, private readonly string $version)
    {
        $this->id = (string) Library::lent('natskit_service_id', $handle);
    }

    public function __destruct()
    {
        Library::free('natskit_service_free', $this->handle);
    }

    /** The service name. */
    public function getName(): string
    {
        return $this->name;
    }

    /** The semantic version. */
    public function getVersion(): string
    {
        return $this->version;
    }

    /** This instance's id. */
    public function getId(): string
    {
        return $this->id;
    }

    /**
     * Adds an endpoint on `$subject` (under `$group.` when given), named `$name` (default: the
     * subject with `-` for `.`), in `$queueGroup` (default: the service's, `q`).
     *
     * @param array<string, string> $metadata
     */
    public function addEndpoint(string $subject, ?string $name = null, ?string $queueGroup = null, array $metadata = [], ?string $group = null): Endpoint
    {
        $config = ['subject' => $subject, 'name' => $name, 'queue_group' => $queueGroup, 'metadata' => (object) $metadata];
        $handle = Library::call('natskit_endpoint*', 'natskit_service_add_endpoint', $this->handle(), $group, Payload::encode($config));
        return new Endpoint($handle, $group === null ? $subject : "{$group}.{$subject}");
    }

    /** What `$SRV.INFO` answers: name, id, version, description, metadata, endpoints. */
    public function info(): array
    {
        return Library::json('natskit_service_info_json', $this->handle());
    }

    /** What `$SRV.STATS` answers (processing times in seconds). */
    public function stats(): array
    {
        return Library::json('natskit_service_stats_json', $this->handle());
    }

    /**
     * Stops: discovery ends, endpoints leave their queue group, requests that had arrived are
     * still handed out, then Endpoint::next() throws ClosedException. Stopping twice does nothing.
     */
    public function stop(): void
    {
        Library::check(Library::ffi()->natskit_service_stop($this->handle()));
    }

    private function handle(): CData
    {
        return $this->handle ?? throw new Exception\ClosedException("the service {$this->name} has been released", 9);
    }
}
