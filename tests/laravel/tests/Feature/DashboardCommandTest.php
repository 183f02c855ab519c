<?php

namespace Tests\Feature;

use App\Jobs\RecordJob;
use Tests\TestCase;

/**
 * `php artisan nats:dashboard` runs the natskit CLI's dashboard on the app's connection: the
 * jobs the app dispatched show in its state, the token reaches it, the connection settings
 * file is gone once it is up, and SIGTERM stops both.
 */
class DashboardCommandTest extends TestCase
{
    public function test_the_dashboard_shows_the_apps_queue_and_stops_on_sigterm(): void
    {
        $cli = $this->requireCli();
        dispatch(new RecordJob($this->key('a')))->onQueue($this->queue);
        dispatch(new RecordJob($this->key('b')))->onQueue($this->queue);
        $tmp = static::dir() . '/dashboard-tmp';
        @mkdir($tmp);

        [$dashboard, $url] = $this->startDashboard(['--interval=200ms'], ['NATSKIT_CLI' => $cli, 'TMPDIR' => $tmp]);
        $queue = $this->waitFor(function () use ($url) {
            [$status, $body] = self::fetch($url . 'api/state');
            foreach ($status === 200 ? json_decode($body, true)['overview']['queues'] ?? [] : [] as $queue) {
                if ($queue['name'] === $this->queue) {
                    return $queue;
                }
            }
            return null;
        }, 10, "the queue {$this->queue} in the dashboard's state");
        $this->assertSame(2, $queue['ready']);
        $this->assertSame([], glob("{$tmp}/natskit-dashboard-*"), 'the settings file is removed once the dashboard is up');

        $dashboard->kill(SIGTERM);
        $this->assertSame(0, $dashboard->wait(10), $dashboard->describe());
        $this->assertFalse(@file_get_contents($url), 'the dashboard is gone');
    }

    public function test_the_token_option_guards_a_dashboard_off_loopback(): void
    {
        $cli = $this->requireCli();
        $refused = $this->runArtisan(['nats:dashboard', '--listen=0.0.0.0:0'], ['NATSKIT_CLI' => $cli]);
        $this->assertSame(1, $refused->exitCode(), $refused->describe());
        $this->assertStringContainsString('not a loopback address', $refused->stderr());

        [, $url] = $this->startDashboard(['--listen=0.0.0.0:0', '--token=dash-s3cret', '--read-only'], ['NATSKIT_CLI' => $cli]);
        $this->assertSame(401, self::fetch($url . 'api/state')[0]);
        [$status, $body] = self::fetch($url . 'api/state', 'Authorization: Bearer dash-s3cret');
        $this->assertSame(200, $status);
        $this->assertTrue(json_decode($body, true)['read_only']);
    }

    public function test_a_missing_cli_is_named_with_where_to_get_it(): void
    {
        $missing = $this->runArtisan(['nats:dashboard'], ['NATSKIT_CLI' => '', 'PATH' => '/nonexistent']);
        $this->assertSame(1, $missing->exitCode(), $missing->describe());
        $this->assertStringContainsString('the natskit CLI was not found', $missing->stdout() . $missing->stderr());

        $wrong = $this->runArtisan(['nats:dashboard'], ['NATSKIT_CLI' => '/nonexistent/natskit']);
        $this->assertSame(1, $wrong->exitCode(), $wrong->describe());
        $this->assertStringContainsString('/nonexistent/natskit', $wrong->stdout() . $wrong->stderr());
    }

    /** Starts `nats:dashboard` on a free loopback port (unless `--listen` is given); returns it and its URL. */
    private function startDashboard(array $options, array $env): array
    {
        $listen = array_filter($options, fn ($o) => str_starts_with($o, '--listen='));
        $process = $this->startArtisan(['nats:dashboard', ...($listen ? [] : ['--listen=127.0.0.1:0']), ...$options], $env);
        $line = $this->waitFor(
            fn () => preg_match('#on (http://\S+/) #', $process->stdout(), $m) ? $m[1] : ($process->isRunning() ? null : $this->fail($process->describe())),
            15,
            'the dashboard to start',
        );
        $url = preg_replace('#^http://0\.0\.0\.0:#', 'http://127.0.0.1:', $line);
        return [$process, $url];
    }

    /** GET `$url`: [status, body]. */
    private static function fetch(string $url, string $header = ''): array
    {
        $context = stream_context_create(['http' => ['header' => $header, 'ignore_errors' => true, 'timeout' => 5]]);
        $body = @file_get_contents($url, false, $context);
        $status = isset($http_response_header[0]) ? (int) explode(' ', $http_response_header[0])[1] : 0;
        return [$status, (string) $body];
    }

    private function requireCli(): string
    {
        $cli = self::cli();
        if ($cli === null) {
            $what = 'the natskit CLI is not built (cargo build -p natskit-cli)';
            getenv('NATSKIT_REQUIRE_CROSS_HOST') ? $this->fail($what) : $this->markTestSkipped($what);
        }
        return $cli;
    }
}
