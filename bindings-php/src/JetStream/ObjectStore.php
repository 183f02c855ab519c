<?php

declare(strict_types=1);

namespace NatsKit\JetStream;

use FFI\CData;
use NatsKit\Library;
use NatsKit\Payload;

/**
 * An object store bucket: objects of any size kept as chunks, their SHA-256 digest checked on
 * every read. An object's info is `['bucket', 'name', 'description', 'headers', 'metadata',
 * 'size', 'chunks', 'digest', 'mtime' (RFC 3339), 'nuid', 'deleted', 'link']`.
 * Put options: `description`, `headers`, `metadata`, `chunk_size`.
 */
final class ObjectStore
{
    /** Takes ownership of a `natskit_obj *`. */
    public function __construct(private ?CData $handle, private readonly string $bucket)
    {
    }

    public function __destruct()
    {
        Library::free('natskit_obj_free', $this->handle);
    }

    public function getBucket(): string
    {
        return $this->bucket;
    }

    /**
     * Stores `$data` as object `$name`; returns its info.
     *
     * @param array<string, mixed> $options
     * @return array<string, mixed>
     */
    public function put(string $name, string $data, array $options = []): array
    {
        return Library::json('natskit_obj_put', $this->handle, $name, $data, strlen($data), self::options($options));
    }

    /**
     * Stores the file at `$path` as object `$name`, read a chunk at a time (never whole).
     *
     * @param array<string, mixed> $options
     * @return array<string, mixed>
     */
    public function putFile(string $name, string $path, array $options = []): array
    {
        return Library::json('natskit_obj_put_file', $this->handle, $name, $path, self::options($options));
    }

    /** The bytes of object `$name`, digest checked (NotFoundException when there is none). */
    public function get(string $name): string
    {
        $ffi = Library::ffi();
        $json = Library::out('char*');
        $data = Library::out('void*');
        $len = Library::out('size_t');
        Library::check($ffi->natskit_obj_get($this->handle, $name, \FFI::addr($json), \FFI::addr($data), \FFI::addr($len)));
        Library::ownedJson($json);
        return Library::ownedBytes($data, $len->cdata);
    }

    /**
     * Writes object `$name` to the file at `$path` a chunk at a time; returns its info.
     *
     * @return array<string, mixed>
     */
    public function getFile(string $name, string $path): array
    {
        return Library::json('natskit_obj_get_file', $this->handle, $name, $path);
    }

    /**
     * The info of object `$name` (NotFoundException when there is none).
     *
     * @return array<string, mixed>
     */
    public function info(string $name): array
    {
        return Library::json('natskit_obj_info', $this->handle, $name);
    }

    /** @return list<array<string, mixed>> the infos of every object, sorted by name */
    public function list(): array
    {
        return Library::json('natskit_obj_list', $this->handle);
    }

    /** Deletes object `$name` (NotFoundException when there is none). */
    public function delete(string $name): void
    {
        Library::check(Library::ffi()->natskit_obj_delete($this->handle, $name));
    }

    /**
     * Makes `$name` a link to object `$target` of this bucket; returns the link's info.
     *
     * @return array<string, mixed>
     */
    public function link(string $name, string $target): array
    {
        return Library::json('natskit_obj_link', $this->handle, $name, $target);
    }

    /** Seals the bucket: later changes throw InvalidArgumentException. */
    public function seal(): void
    {
        Library::check(Library::ffi()->natskit_obj_seal($this->handle));
    }

    /**
     * Watches the bucket: the info of each object first, then every put and delete. Options:
     * `ignore_deletes` (no deletes), `updates_only` (changes only), each a bool.
     *
     * @param array<string, bool> $options
     */
    public function watch(array $options = []): ObjectStoreWatch
    {
        return new ObjectStoreWatch(Library::call('natskit_obj_watcher*', 'natskit_obj_watch', $this->handle, self::options($options)));
    }

    /** @param array<string, mixed> $options */
    private static function options(array $options): ?string
    {
        return $options === [] ? null : Payload::json($options);
    }
}
