<?php

namespace Tests;

use App\Support\RunLog;
use Illuminate\Contracts\Console\Kernel;
use Illuminate\Foundation\Testing\TestCase as BaseTestCase;
use Illuminate\Support\Str;
use NatsKit\Laravel\Queue\NatsQueue;
use PHPUnit\Framework\AssertionFailedError;
use Tests\Support\NatsServer;
use Tests\Support\Process;

/**
 * The base of the Laravel integration tests.
 *
 * Per test class: one real nats-server (JetStream, its own store) on a free loopback port,
 * a scratch directory with the sqlite database (failed_jobs, migrated), the run log of the
 * fixture jobs, the file cache and laravel.log. The environment that points Laravel at all
 * of it (NATS_HOST, NATS_PORT, NATS_URL, DB_DATABASE, RUN_LOG, ...) is set in this process
 * and given to every `php artisan` process a test starts, so config/nats.php and
 * config/queue.php resolve to the same server everywhere.
 *
 * Per test: a fresh application, a queue name of its own (`$this->queue`, so leftovers of
 * one test never reach another's worker), and the processes it started are stopped after it.
 *
 * For subclasses:
 * - `static::$natsUrl`, `static::$nats` (stop()/start() on the same port and store);
 * - `environment()` / `serverArguments()` to change the class's environment or server;
 * - `artisan(...)` runs a command in-process (Laravel's), `runArtisan([...])` runs
 *   `php artisan ...` to completion in a child process, `startArtisan([...])` starts one
 *   (e.g. `startWorker()` = `queue:work nats --queue=<this test's queue> --sleep=0`);
 * - `waitFor(fn () => ..., $seconds, 'what')` polls a condition with a deadline;
 * - `runs($key, $event)` reads what the fixture jobs recorded.
 */
abstract class TestCase extends BaseTestCase
{
    /** URL of this class's nats-server (nats://127.0.0.1:<port>). */
    protected static string $natsUrl = '';

    /** This class's nats-server. */
    protected static ?NatsServer $nats = null;

    /** This class's scratch directory. */
    protected static string $dir = '';

    /** The environment of this class's processes (beyond the inherited one). */
    private static array $env = [];

    /** The queue of the running test (unique per test). */
    protected string $queue = 'default';

    /** @var list<Process> processes the running test started */
    private array $processes = [];

    private static int $processCount = 0;

    /** @var array<string, string|false> the variables this class changed, as they were */
    private static array $saved = [];

    /** Extra nats-server arguments for this class (e.g. `['--user', 'u', '--pass', 'p']`). */
    protected static function serverArguments(): array
    {
        return [];
    }

    /** Extra environment for this class, e.g. `['NATS_RETRY_AFTER' => '3']`. */
    protected static function environment(): array
    {
        return [];
    }

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        $short = substr(strrchr(static::class, '\\') ?: static::class, 1);
        self::$dir = sys_get_temp_dir() . '/natskit-laravel-' . $short . '-' . getmypid() . '-' . bin2hex(random_bytes(3));
        mkdir(self::$dir . '/cache', 0777, true);
        static::$nats = new NatsServer(self::$dir, static::serverArguments());
        static::$natsUrl = static::$nats->url();
        self::$env = array_merge([
            'APP_ENV' => 'testing',
            'NATS_HOST' => '127.0.0.1',
            'NATS_PORT' => (string) static::$nats->port,
            'NATS_URL' => static::$natsUrl,
            'QUEUE_CONNECTION' => 'nats',
            'QUEUE_FAILED_DRIVER' => 'database-uuids',
            'NATS_BLOCK_FOR' => '0.5',
            'DB_CONNECTION' => 'sqlite',
            'DB_DATABASE' => self::$dir . '/database.sqlite',
            'CACHE_DRIVER' => 'file',
            'CACHE_PATH' => self::$dir . '/cache',
            'LOG_CHANNEL' => 'single',
            'LOG_PATH' => self::$dir . '/laravel.log',
            'RUN_LOG' => self::$dir . '/runs.jsonl',
            'NATSKIT_LIB' => self::library(),
        ], static::environment());
        foreach (self::$env as $name => $value) {
            self::setEnv($name, $value);
        }
        touch(self::$dir . '/database.sqlite');
        $migrate = self::spawn(['migrate', '--force'], [], 'migrate');
        if ($migrate->wait(60) !== 0) {
            throw new \RuntimeException('php artisan migrate failed: ' . $migrate->describe());
        }
    }

    public static function tearDownAfterClass(): void
    {
        static::$nats?->stop();
        static::$nats = null;
        foreach (self::$saved as $name => $value) {
            self::setEnv($name, $value === false ? null : $value);
        }
        self::$saved = [];
        self::$env = [];
        if (self::$dir !== '' && !getenv('KEEP_TEST_DIRS')) {
            exec('rm -rf ' . escapeshellarg(self::$dir));
        }
        parent::tearDownAfterClass();
    }

    /** The fixture application, booted like artisan boots it. */
    public function createApplication()
    {
        $app = require __DIR__ . '/../bootstrap/app.php';
        $app->make(Kernel::class)->bootstrap();
        return $app;
    }

    protected function setUp(): void
    {
        parent::setUp();
        $this->queue = substr('t-' . Str::slug(Str::snake($this->getName(false)), '-'), 0, 40) . '-' . bin2hex(random_bytes(2));
        static::$nats?->start();
    }

    protected function tearDown(): void
    {
        foreach ($this->processes as $process) {
            $process->stop(2.0);
        }
        $this->processes = [];
        static::$nats?->start(); // a test may have stopped it: closing flushes to the server
        $this->closeConnections();
        parent::tearDown();
    }

    /** Sets an environment variable in this process (and for the artisan processes it starts). */
    protected static function setEnv(string $name, ?string $value): void
    {
        if (!array_key_exists($name, self::$saved)) {
            self::$saved[$name] = getenv($name);
        }
        if ($value === null) {
            putenv($name);
            unset($_ENV[$name], $_SERVER[$name], self::$env[$name]);
            return;
        }
        putenv("{$name}={$value}");
        $_ENV[$name] = $_SERVER[$name] = self::$env[$name] = $value;
    }

    /** The scratch directory of this class. */
    protected static function dir(): string
    {
        return self::$dir;
    }

    /**
     * Starts `php artisan <args>` in this class's environment (plus `$env`); it is stopped
     * after the test. Its output is in `->stdout()`, `->stderr()`.
     */
    protected function startArtisan(array $args, array $env = []): Process
    {
        return $this->processes[] = self::spawn($args, $env, $args[0] ?? 'artisan');
    }

    /**
     * Runs `php artisan <args>` to its end (at most `$timeout` s); returns the process
     * (`exitCode()`, `stdout()`, `stderr()`).
     */
    protected function runArtisan(array $args, array $env = [], float $timeout = 30.0): Process
    {
        $process = $this->startArtisan($args, $env);
        if ($process->wait($timeout) === null) {
            $process->kill(SIGKILL);
            $this->fail("php artisan " . implode(' ', $args) . " did not end within {$timeout} s: " . $process->describe());
        }
        return $process;
    }

    /** Starts any program in this class's environment; it is stopped after the test. */
    protected function startProcess(array $command, array $env = [], ?string $cwd = null): Process
    {
        return $this->processes[] = new Process(
            $command,
            self::processEnv($env),
            $cwd ?? dirname(__DIR__),
            self::$dir . '/' . basename($command[0]) . '.' . ++self::$processCount,
        );
    }

    /** Runs any program to its end (at most `$timeout` s). */
    protected function runProcess(array $command, array $env = [], float $timeout = 30.0, ?string $cwd = null): Process
    {
        $process = $this->startProcess($command, $env, $cwd);
        if ($process->wait($timeout) === null) {
            $process->kill(SIGKILL);
            $this->fail(implode(' ', $command) . " did not end within {$timeout} s: " . $process->describe());
        }
        return $process;
    }

    /**
     * Starts `php artisan queue:work <connection>` in daemon mode on this test's queue, with
     * `--sleep=0`; `$options` add to or override the defaults (`['--queue' => 'high,low']`).
     */
    protected function startWorker(array $options = [], string $connection = 'nats', array $env = []): Process
    {
        $options += ['--queue' => $this->queue, '--sleep' => '0'];
        $args = ['queue:work', $connection];
        foreach ($options as $name => $value) {
            $args[] = $value === true ? $name : "{$name}={$value}";
        }
        return $this->startArtisan($args, $env);
    }

    /** Every process the running test started, described for assertion messages. */
    protected function processReport(): string
    {
        $lines = array_map(static fn (Process $p) => $p->describe(), $this->processes);
        $log = @file_get_contents(self::$dir . '/laravel.log');
        if ($log) {
            $lines[] = 'laravel.log: ' . substr($log, -3000);
        }
        return implode("\n", $lines);
    }

    /**
     * Polls `$condition` until it returns a truthy value (returned) or `$seconds` pass
     * (the test fails, naming `$what` and the state of its processes).
     */
    protected function waitFor(callable $condition, float $seconds, string $what): mixed
    {
        $deadline = microtime(true) + $seconds;
        do {
            $result = $condition();
            if ($result) {
                return $result;
            }
            usleep(50_000);
        } while (microtime(true) < $deadline);
        throw new AssertionFailedError("timed out after {$seconds} s waiting for {$what}\n" . $this->processReport());
    }

    /** Events the fixture jobs recorded (of job `$key`, of kind `$event`), oldest first. */
    protected function runs(?string $key = null, ?string $event = null): array
    {
        return RunLog::all($key, $event);
    }

    /** A unique key for a fixture job of this test. */
    protected function key(string $name): string
    {
        return "{$this->queue}:{$name}";
    }

    /** Laravel's `failed_jobs` rows of this test's queue. */
    protected function failedRows(): array
    {
        return $this->app['db']->table('failed_jobs')->where('queue', $this->queue)->get()->all();
    }

    /** The `nats` queue connection (or another one) of the test's application. */
    protected function natsQueue(string $connection = 'nats'): NatsQueue
    {
        return $this->app['queue']->connection($connection);
    }

    /** Path of the natskit CLI, or null when it is not built. */
    protected static function cli(): ?string
    {
        $path = (getenv('CARGO_TARGET_DIR') ?: self::root() . '/target') . '/debug/natskit';
        return is_executable($path) ? $path : null;
    }

    /** The repository root. */
    protected static function root(): string
    {
        return dirname(__DIR__, 3);
    }

    private function closeConnections(): void
    {
        if (!$this->app) {
            return;
        }
        if ($this->app->resolved('queue')) {
            foreach (['nats', 'nats-named', 'seed', 'seed-dlq'] as $name) {
                if ($this->app['queue']->connected($name)) {
                    $queue = $this->app['queue']->connection($name);
                    if ($queue instanceof NatsQueue) {
                        $queue->unreserve();
                        $queue->getClient()->close();
                    }
                }
            }
        }
        if ($this->app->resolved('nats')) {
            $this->app['nats']->disconnect();
        }
    }

    private static function spawn(array $args, array $env, string $label): Process
    {
        $command = array_merge([PHP_BINARY, '-d', 'ffi.enable=1', 'artisan'], $args);
        $name = preg_replace('/[^A-Za-z0-9_.-]+/', '_', $label);
        return new Process($command, self::processEnv($env), dirname(__DIR__), self::$dir . "/{$name}." . ++self::$processCount);
    }

    /** This process's environment with the class's settings and `$env` on top. */
    private static function processEnv(array $env): array
    {
        $base = array_filter(getenv(), 'is_string');
        return array_map('strval', array_merge($base, self::$env, $env));
    }

    private static function library(): string
    {
        $lib = getenv('NATSKIT_LIB') ?: (getenv('CARGO_TARGET_DIR') ?: self::root() . '/target') . '/debug/libnatskit.so';
        if (!is_file($lib)) {
            throw new \RuntimeException("libnatskit not found at {$lib}: run `make -C bindings-c lib` at the project root");
        }
        return $lib;
    }
}
