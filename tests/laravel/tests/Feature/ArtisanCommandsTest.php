<?php

namespace Tests\Feature;

use Illuminate\Console\OutputStyle;
use Illuminate\Support\Facades\Artisan;
use NatsKit\JetStream;
use NatsKit\JetStream\StreamConfig;
use NatsKit\Laravel\Console\ConsumerListCommand;
use NatsKit\Laravel\Console\JetStreamStatusCommand;
use NatsKit\Laravel\Console\StreamListCommand;
use Tests\Support\NatsServer;
use Tests\TestCase;

/**
 * The nats:* artisan commands against this class's nats-server: what they print, what they
 * change on the server (checked through natskit), and exit code 1 with one clear line for
 * bad input, unknown streams and connections, and a server that is down.
 */
class ArtisanCommandsTest extends TestCase
{
    protected function setUp(): void
    {
        parent::setUp();
        foreach ($this->js()->streamNames() as $stream) {
            $this->js()->deleteStream($stream);
        }
    }

    public function test_stream_create_list_and_info_show_the_server_counters(): void
    {
        $this->artisan('nats:stream:create', [
            'name' => 'ORDERS',
            'subjects' => ['orders.>', 'audit.orders'],
            '--description' => 'Orders',
            '--storage' => 'memory',
        ])->expectsOutput('Stream ORDERS created.')->assertExitCode(0);
        $this->publish('orders.new', 3);

        $bytes = (string) $this->js()->getStreamInfo('ORDERS')->getByteCount();
        $this->artisan('nats:stream:list')
            ->expectsTable(StreamListCommand::HEADERS, [
                ['ORDERS', 'orders.>, audit.orders', 'memory', 'limits', '3', $bytes, '1', '3', '0'],
            ])
            ->assertExitCode(0);

        [$code, $output] = $this->artisanOutput('nats:stream:info', ['stream' => 'ORDERS']);
        $this->assertSame(0, $code, $output);
        $fields = self::fields($output);
        $this->assertSame('Orders', $fields['Description']);
        $this->assertSame('orders.>, audit.orders', $fields['Subjects']);
        $this->assertSame('memory', $fields['Storage']);
        $this->assertSame('unlimited', $fields['Max messages']);
        $this->assertSame('3', $fields['Messages']);
        $this->assertSame($bytes, $fields['Bytes']);
        $this->assertSame('1', $fields['First sequence']);
        $this->assertSame('3', $fields['Last sequence']);
        $this->assertSame('0', $fields['Consumers']);
    }

    public function test_stream_list_pages_with_offset(): void
    {
        foreach (['A', 'B', 'C'] as $name) {
            $this->artisan('nats:stream:create', ['name' => $name, 'subjects' => [strtolower($name)]])->assertExitCode(0);
        }

        $this->artisan('nats:stream:list', ['--offset' => '2'])
            ->expectsTable(StreamListCommand::HEADERS, [['C', 'c', 'file', 'limits', '0', '0', '0', '0', '0']])
            ->assertExitCode(0);
        $this->artisan('nats:stream:list', ['--offset' => '3'])
            ->expectsOutput('No streams from offset 3 (there are 3).')
            ->assertExitCode(0);

        // The server answers 256 streams a page.
        for ($i = 0; $i < 254; $i++) {
            $this->js()->createStream((new StreamConfig(sprintf('S%03d', $i), ["s.{$i}"]))->withStorage('memory'));
        }
        [$code, $output] = $this->artisanOutput('nats:stream:list');
        $this->assertSame(0, $code, $output);
        $this->assertSame(256, count(self::fields($output)) - 1);
        $this->assertStringEndsWith("Showing streams 1-256 of 257; next page: --offset=256\n", $output);
        $this->artisan('nats:stream:list', ['--offset' => '256'])
            ->expectsTable(StreamListCommand::HEADERS, [['S253', 's.253', 'memory', 'limits', '0', '0', '0', '0', '0']])
            ->assertExitCode(0);
    }

    public function test_stream_update_changes_the_given_settings_and_keeps_the_others(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'EVENTS', 'subjects' => ['events.>'], '--description' => 'Events'])
            ->assertExitCode(0);

        [$code, $output] = $this->artisanOutput('nats:stream:update', [
            'stream' => 'EVENTS',
            '--max-messages' => '100',
            '--max-bytes' => '65536',
            '--max-age' => '1h30m',
        ]);
        $this->assertSame(0, $code, $output);
        $this->assertStringContainsString('Stream EVENTS updated.', $output);

        $fields = self::fields($this->artisanOutput('nats:stream:info', ['stream' => 'EVENTS'])[1]);
        $this->assertSame('100', $fields['Max messages']);
        $this->assertSame('65536', $fields['Max bytes']);
        $this->assertSame('1h30m', $fields['Max age']);
        $this->assertSame('Events', $fields['Description']);
        $this->assertSame('events.>', $fields['Subjects']);
        $config = $this->js()->getStreamInfo('EVENTS')->getConfig();
        $this->assertSame(100, $config->get('max_msgs'));
        $this->assertSame(5400.0, $config->get('max_age'));

        $this->artisan('nats:stream:update', ['stream' => 'EVENTS', '--max-age' => '90', '--description' => 'Renamed'])
            ->assertExitCode(0);
        $fields = self::fields($this->artisanOutput('nats:stream:info', ['stream' => 'EVENTS'])[1]);
        $this->assertSame('1m30s', $fields['Max age']);
        $this->assertSame('Renamed', $fields['Description']);
        $this->assertSame('100', $fields['Max messages']);

        // Shorter than the 2-minute duplicate window: the window follows.
        $this->artisan('nats:stream:update', ['stream' => 'EVENTS', '--max-age' => '500ms', '--max-messages' => '0'])
            ->assertExitCode(0);
        $fields = self::fields($this->artisanOutput('nats:stream:info', ['stream' => 'EVENTS'])[1]);
        $this->assertSame('500ms', $fields['Max age']);
        $this->assertSame('500ms', $fields['Duplicate window']);
        $this->assertSame('unlimited', $fields['Max messages']);
    }

    public function test_stream_purge_asks_first_and_removes_the_messages(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'PURGE', 'subjects' => ['purge.>']])->assertExitCode(0);
        $this->publish('purge.x', 5);

        $this->artisan('nats:stream:purge', ['stream' => 'PURGE'])
            ->expectsConfirmation('Purge all 5 messages from stream PURGE?', 'no')
            ->expectsOutput('Cancelled: stream PURGE was not purged (use --force to skip the question).')
            ->assertExitCode(1);
        $this->assertSame(5, $this->js()->getStreamInfo('PURGE')->getMessageCount());

        [$code, $output] = $this->artisanOutput('nats:stream:purge', ['stream' => 'PURGE', '--no-interaction' => true]);
        $this->assertSame(1, $code, $output);
        $this->assertStringContainsString('Cancelled', $output);
        $this->assertSame(5, $this->js()->getStreamInfo('PURGE')->getMessageCount());

        $this->artisan('nats:stream:purge', ['stream' => 'PURGE'])
            ->expectsConfirmation('Purge all 5 messages from stream PURGE?', 'yes')
            ->expectsOutput('Purged 5 messages from stream PURGE.')
            ->assertExitCode(0);
        $info = $this->js()->getStreamInfo('PURGE');
        $this->assertSame(0, $info->getMessageCount());
        $this->assertSame(5, $info->getLastSequence());

        $this->publish('purge.y', 2);
        $this->artisan('nats:stream:purge', ['stream' => 'PURGE', '--force' => true])
            ->expectsOutput('Purged 2 messages from stream PURGE.')
            ->assertExitCode(0);
        $this->assertSame(0, $this->js()->getStreamInfo('PURGE')->getMessageCount());
    }

    public function test_stream_delete_asks_first_unless_forced(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'GONE', 'subjects' => ['gone.>']])->assertExitCode(0);
        $this->publish('gone.x', 1);

        $this->artisan('nats:stream:delete', ['stream' => 'GONE'])
            ->expectsConfirmation('Delete stream GONE with its 1 message and 0 consumers?', 'no')
            ->expectsOutput('Cancelled: stream GONE was not deleted (use --force to skip the question).')
            ->assertExitCode(1);
        $this->assertSame(['GONE'], $this->js()->streamNames());

        $this->artisan('nats:stream:delete', ['stream' => 'GONE'])
            ->expectsConfirmation('Delete stream GONE with its 1 message and 0 consumers?', 'yes')
            ->expectsOutput('Stream GONE deleted.')
            ->assertExitCode(0);
        $this->assertSame([], $this->js()->streamNames());

        $this->artisan('nats:stream:create', ['name' => 'GONE', 'subjects' => ['gone.>']])->assertExitCode(0);
        $this->artisan('nats:stream:delete', ['stream' => 'GONE', '--force' => true])
            ->expectsOutput('Stream GONE deleted.')
            ->assertExitCode(0);
        $this->assertSame([], $this->js()->streamNames());
    }

    public function test_consumers_show_pending_ack_pending_and_redelivered_counts(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'JOBS', 'subjects' => ['jobs.>']])->assertExitCode(0);
        $this->publish('jobs.a', 4);
        $this->publish('jobs.b', 2);

        $this->artisan('nats:consumer:create', ['stream' => 'JOBS', 'name' => 'all'])
            ->expectsOutput('Consumer all created on stream JOBS.')
            ->assertExitCode(0);
        $this->artisan('nats:consumer:create', [
            'stream' => 'JOBS',
            'name' => 'b-only',
            '--filter-subject' => 'jobs.b',
            '--deliver-policy' => 'last',
            '--ack-policy' => 'all',
        ])->assertExitCode(0);
        $config = $this->js()->getConsumerInfo('JOBS', 'b-only')->getConfig();
        $this->assertSame('jobs.b', $config->get('filter_subject'));
        $this->assertSame('last', $config->get('deliver_policy'));
        $this->assertSame('all', $config->get('ack_policy'));

        $this->artisan('nats:consumer:list', ['stream' => 'JOBS'])
            ->expectsTable(ConsumerListCommand::HEADERS, [
                ['all', '(whole stream)', 'all', 'explicit', '6', '0', '0', '0'],
                ['b-only', 'jobs.b', 'last', 'all', '1', '0', '0', '0'],
            ])
            ->assertExitCode(0);

        $first = $this->js()->fetch('JOBS', 'all', 2, 2.0);
        $this->assertCount(2, $first);
        $first[0]->nak();
        // The server may hand out a new message or two before it has processed the nak.
        $delivered = 2;
        do {
            $next = $this->js()->fetchNextMessage('JOBS', 'all', 2.0);
            $this->assertNotNull($next, 'the nak\'d message comes back');
            $delivered += $next->getDeliveryCount() === 1 ? 1 : 0;
        } while ($next->getDeliveryCount() === 1);

        [$code, $output] = $this->artisanOutput('nats:consumer:info', ['stream' => 'JOBS', 'consumer' => 'all']);
        $this->assertSame(0, $code, $output);
        $fields = self::fields($output);
        $this->assertSame('JOBS', $fields['Stream']);
        $this->assertSame('all', $fields['Name']);
        $this->assertSame((string) (6 - $delivered), $fields['Pending']);
        $this->assertSame((string) $delivered, $fields['Ack pending']);
        $this->assertSame('1', $fields['Redelivered']);
        $this->assertSame('0', $fields['Waiting']);
        $this->assertSame((string) $delivered, $fields['Last delivered sequence']);
        $this->assertSame('30s', $fields['Ack wait']);

        $this->assertSame('2', self::fields($this->artisanOutput('nats:stream:info', ['stream' => 'JOBS'])[1])['Consumers']);
    }

    public function test_consumer_delete_asks_first_unless_forced(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'WORK', 'subjects' => ['work.>']])->assertExitCode(0);
        $this->publish('work.x', 3);
        $this->artisan('nats:consumer:create', ['stream' => 'WORK', 'name' => 'w1'])->assertExitCode(0);
        $this->artisan('nats:consumer:create', ['stream' => 'WORK', 'name' => 'w2'])->assertExitCode(0);

        $this->artisan('nats:consumer:delete', ['stream' => 'WORK', 'consumer' => 'w1'])
            ->expectsConfirmation('Delete consumer w1 of stream WORK (3 messages pending)?', 'no')
            ->expectsOutput('Cancelled: consumer w1 was not deleted (use --force to skip the question).')
            ->assertExitCode(1);
        $this->assertSame(2, $this->js()->getStreamInfo('WORK')->getConsumerCount());

        $this->artisan('nats:consumer:delete', ['stream' => 'WORK', 'consumer' => 'w1'])
            ->expectsConfirmation('Delete consumer w1 of stream WORK (3 messages pending)?', 'yes')
            ->expectsOutput('Consumer w1 deleted from stream WORK.')
            ->assertExitCode(0);
        $this->artisan('nats:consumer:delete', ['stream' => 'WORK', 'consumer' => 'w2', '--force' => true])
            ->expectsOutput('Consumer w2 deleted from stream WORK.')
            ->assertExitCode(0);

        $info = $this->js()->getStreamInfo('WORK');
        $this->assertSame(0, $info->getConsumerCount());
        $this->assertSame(3, $info->getMessageCount());
        $this->artisan('nats:consumer:list', ['stream' => 'WORK'])->expectsOutput('No consumers.')->assertExitCode(0);
    }

    public function test_jetstream_status_shows_account_usage_as_a_table_and_as_json(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'MEM', 'subjects' => ['mem.>'], '--storage' => 'memory'])->assertExitCode(0);
        $this->artisan('nats:stream:create', ['name' => 'DISK', 'subjects' => ['disk.>']])->assertExitCode(0);
        $this->artisan('nats:consumer:create', ['stream' => 'MEM', 'name' => 'reader'])->assertExitCode(0);
        $this->publish('mem.x', 2);

        $account = $this->js()->getAccountInfo();
        $this->assertGreaterThan(0, $account['memory']);
        $this->artisan('nats:jetstream:status')
            ->expectsOutput('JetStream on connection [default]')
            ->expectsTable(JetStreamStatusCommand::HEADERS, [
                ['Memory (bytes)', (string) $account['memory'], 'unlimited'],
                ['Storage (bytes)', (string) $account['storage'], 'unlimited'],
                ['Streams', '2', 'unlimited'],
                ['Consumers', '1', 'unlimited'],
            ])
            ->assertExitCode(0);

        [$code, $output] = $this->artisanOutput('nats:jetstream:status', ['--json' => true]);
        $this->assertSame(0, $code, $output);
        $status = json_decode($output, true, 16, JSON_THROW_ON_ERROR);
        $this->assertSame('default', $status['connection']);
        $this->assertSame(2, $status['streams']);
        $this->assertSame(1, $status['consumers']);
        $this->assertSame($account['memory'], $status['memory']);
        $this->assertSame(-1, $status['limits']['max_streams']);
        $this->assertGreaterThan(0, $status['api']['total']);
        $this->assertArrayNotHasKey('type', $status);
    }

    public function test_ping_reports_a_reachable_server(): void
    {
        [$code, $output] = $this->artisanOutput('nats:ping');
        $this->assertSame(0, $code, $output);
        $this->assertMatchesRegularExpression(
            '/^NATS connection \[default\] at ' . preg_quote(static::$natsUrl, '/') . ' is reachable: round trip \d+\.\d{3} ms$/',
            trim($output),
        );

        [$code, $output] = $this->artisanOutput('nats:ping', ['--json' => true]);
        $this->assertSame(0, $code, $output);
        $ping = json_decode($output, true, 4, JSON_THROW_ON_ERROR);
        $this->assertSame('default', $ping['connection']);
        $this->assertTrue($ping['ok']);
        $this->assertSame('OK', $ping['status'], 'the Nagios state of core\'s connection check');
        $this->assertSame(static::$natsUrl, $ping['server']);
        $this->assertIsFloat($ping['rtt_ms']);
        $this->assertGreaterThan(0, $ping['rtt_ms']);
        $this->assertSame(round($ping['rtt_ms'], 3), $ping['rtt_ms']);
    }

    public function test_ping_fails_for_a_server_that_is_down_or_a_connection_that_does_not_exist(): void
    {
        $port = NatsServer::freePort();
        $this->useConnection('down', ['host' => '127.0.0.1', 'port' => $port]);

        [$code, $output] = $this->artisanOutput('nats:ping', ['--connection' => 'down']);
        $this->assertSame(1, $code, $output);
        $this->assertStringContainsString('NATS connection [down] is unreachable: ', $output);
        $this->assertStringContainsString("127.0.0.1:{$port}", $output);

        [$code, $output] = $this->artisanOutput('nats:ping', ['--connection' => 'down', '--json' => true]);
        $this->assertSame(1, $code, $output);
        $ping = json_decode($output, true, 4, JSON_THROW_ON_ERROR);
        $this->assertSame(['connection', 'ok', 'status', 'rtt_ms', 'server', 'error'], array_keys($ping));
        $this->assertSame('down', $ping['connection']);
        $this->assertFalse($ping['ok']);
        $this->assertSame('CRITICAL', $ping['status']);
        $this->assertNull($ping['rtt_ms']);
        $this->assertSame("nats://127.0.0.1:{$port}", $ping['server']);
        $this->assertStringContainsString('connection refused', $ping['error']);

        [$code, $output] = $this->artisanOutput('nats:ping', ['--connection' => 'nowhere']);
        $this->assertSame(1, $code, $output);
        $this->assertStringContainsString('nowhere', $output);
    }

    public function test_health_has_nagios_exit_codes_for_what_it_finds(): void
    {
        $this->js()->createStream((new StreamConfig('HEALTHY', ['healthy.>']))->withStorage('memory'));
        [$code, $output] = $this->artisanOutput('nats:health', ['--stream' => ['HEALTHY']]);
        $this->assertSame(0, $code, $output);
        $this->assertStringStartsWith('OK: connection ' . static::$natsUrl, trim($output));

        [$code, $output] = $this->artisanOutput('nats:health', ['--stream' => ['HEALTHY', 'GONE'], '--json' => true]);
        $this->assertSame(2, $code, $output);
        $report = json_decode($output, true, 8, JSON_THROW_ON_ERROR);
        $this->assertSame('CRITICAL', $report['status']);
        $this->assertSame(
            ['connection' => 'OK', 'jetstream' => 'OK', 'stream:HEALTHY' => 'OK', 'stream:GONE' => 'CRITICAL'],
            array_column($report['checks'], 'status', 'name'),
        );

        [$code, $output] = $this->artisanOutput('nats:health', ['--rtt-warn' => '0']);
        $this->assertSame(1, $code, 'any round trip is above 0 ms: WARNING');

        [$code, $output] = $this->artisanOutput('nats:health', ['--lag-warn' => 'many']);
        $this->assertSame(3, $code, $output);
        $this->assertStringContainsString('--lag-warn', $output);

        $this->useConnection('down', ['host' => '127.0.0.1', 'port' => NatsServer::freePort()]);
        [$code, $output] = $this->artisanOutput('nats:health', ['--connection' => 'down']);
        $this->assertSame(2, $code, $output);
        $this->assertStringStartsWith('CRITICAL: connection ', trim($output));
    }

    public function test_php_artisan_nats_ping_exit_code_is_the_readiness_of_the_server(): void
    {
        $up = $this->runArtisan(['nats:ping', '--json']);
        $this->assertSame(0, $up->exitCode(), $up->describe());
        $this->assertTrue(json_decode($up->stdout(), true, 4, JSON_THROW_ON_ERROR)['ok']);

        $down = $this->runArtisan(['nats:ping'], ['NATS_PORT' => (string) NatsServer::freePort()]);
        $this->assertSame(1, $down->exitCode(), $down->describe());
        $this->assertStringContainsString('NATS connection [default] is unreachable', $down->stdout());
    }

    public function test_jetstream_commands_fail_with_one_line_for_a_server_that_is_down(): void
    {
        $this->useConnection('down', ['host' => '127.0.0.1', 'port' => NatsServer::freePort()]);

        [$code, $output] = $this->artisanOutput('nats:stream:list', ['--connection' => 'down']);

        $this->assertSame(1, $code, $output);
        $this->assertStringContainsString('connection refused', $output);
        $this->assertSame(1, substr_count(trim($output), "\n") + 1, $output);
    }

    public function test_bad_input_fails_with_a_clear_message_and_changes_nothing(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'SAFE', 'subjects' => ['safe.>']])->assertExitCode(0);

        $failures = [
            ['nats:stream:update', ['stream' => 'SAFE', '--max-messages' => '-5'], '--max-messages must be a whole number of at least 0, got "-5"'],
            ['nats:stream:update', ['stream' => 'SAFE', '--max-bytes' => 'lots'], '--max-bytes must be a whole number of at least 0, got "lots"'],
            ['nats:stream:update', ['stream' => 'SAFE', '--max-age' => '1h30'], '--max-age must be seconds or a duration such as 500ms, 30m, 1h30m or 7d, got "1h30"'],
            ['nats:stream:update', ['stream' => 'SAFE', '--max-age' => '-1'], '--max-age must be seconds or a duration such as 500ms, 30m, 1h30m or 7d, got "-1"'],
            ['nats:stream:update', ['stream' => 'SAFE', '--retention' => 'forever'], '--retention must be one of limits, interest, workqueue, got "forever"'],
            ['nats:stream:update', ['stream' => 'SAFE'], 'nothing to update: give --description, --storage, --retention, --max-messages, --max-bytes or --max-age'],
            ['nats:stream:create', ['name' => 'DISKY', 'subjects' => ['d'], '--storage' => 'disk'], '--storage must be one of file, memory, got "disk"'],
            ['nats:stream:list', ['--offset' => '-1'], '--offset must be a whole number of at least 0, got "-1"'],
            ['nats:stream:list', ['--offset' => null], '--offset needs a value'],
            ['nats:stream:update', ['stream' => 'SAFE', '--max-messages' => '5', '--max-age' => null], '--max-age needs a value'],
            ['nats:consumer:create', ['stream' => 'SAFE', 'name' => 'c', '--deliver-policy' => 'first'], '--deliver-policy must be one of all, last, new, got "first"'],
            ['nats:consumer:create', ['stream' => 'SAFE', 'name' => 'c', '--ack-policy' => 'maybe'], '--ack-policy must be one of none, all, explicit, got "maybe"'],
        ];
        foreach ($failures as [$command, $parameters, $message]) {
            $this->artisan($command, $parameters)->expectsOutput($message)->assertExitCode(1);
        }

        $info = $this->js()->getStreamInfo('SAFE');
        $this->assertSame(-1, $info->getConfig()->get('max_msgs'));
        $this->assertSame('limits', $info->getConfig()->get('retention'));
        $this->assertSame(0, $info->getConsumerCount());
        $this->assertSame(['SAFE'], $this->js()->streamNames());
    }

    public function test_unknown_streams_consumers_and_connections_fail_with_the_natskit_error(): void
    {
        $this->artisan('nats:stream:create', ['name' => 'HERE', 'subjects' => ['here.>']])->assertExitCode(0);

        $failures = [
            ['nats:stream:info', ['stream' => 'MISSING'], 'stream not found'],
            ['nats:stream:update', ['stream' => 'MISSING', '--max-messages' => '5'], 'stream not found'],
            ['nats:stream:purge', ['stream' => 'MISSING', '--force' => true], 'stream not found'],
            ['nats:stream:delete', ['stream' => 'MISSING', '--force' => true], 'stream not found'],
            ['nats:consumer:list', ['stream' => 'MISSING'], 'stream not found'],
            ['nats:consumer:create', ['stream' => 'MISSING', 'name' => 'c'], 'stream not found'],
            ['nats:consumer:info', ['stream' => 'HERE', 'consumer' => 'missing'], 'consumer not found'],
            ['nats:consumer:delete', ['stream' => 'HERE', 'consumer' => 'missing', '--force' => true], 'consumer not found'],
            ['nats:stream:update', ['stream' => 'HERE', '--storage' => 'memory'], 'can not change storage type'],
            ['nats:stream:list', ['--connection' => 'nowhere'], 'no connection named "nowhere"'],
            ['nats:jetstream:status', ['--connection' => 'nowhere'], 'no connection named "nowhere"'],
        ];
        foreach ($failures as [$command, $parameters, $message]) {
            [$code, $output] = $this->artisanOutput($command, $parameters);
            $this->assertSame(1, $code, "{$command}: {$output}");
            $this->assertStringContainsString($message, $output, $command);
            $this->assertSame(1, substr_count(trim($output), "\n") + 1, "{$command} prints one line: {$output}");
        }
        $this->assertSame(['HERE'], $this->js()->streamNames());
    }

    public function test_queue_migrate_moves_jobs_to_per_queue_streams(): void
    {
        $queue = $this->app['nats']->connection()->queue('mail');
        $queue->push('Send', 1);
        $queue->later(3600, 'Send', 2);
        $this->useConnection('split', config('nats.connections.default') + ['queue' => ['streams' => 'per-queue']]);

        [$code, $output] = $this->artisanOutput('nats:queue:migrate', ['queues' => ['mail'], '--connection' => 'split']);
        $this->assertSame(0, $code, $output);
        $this->assertStringContainsString('Moved 1 waiting and 1 delayed jobs of queue mail to NATSKIT_JOBS_mail', $output);
        $split = $this->app['nats']->connection('split')->queue('mail');
        $this->assertSame(['per-queue', 'NATSKIT_JOBS_mail'], [$split->placement()['layout'], $split->placement()['stream']]);
        $this->assertSame([1, 1], [$split->sizes()->ready, $split->sizes()->delayed]);
        $this->assertSame(0, $this->app['nats']->connection()->queue('mail')->size());
    }

    private function js(): JetStream
    {
        return $this->app['nats']->jetstream();
    }

    /** Publishes `$count` messages to `$subject` through JetStream (each acknowledged). */
    private function publish(string $subject, int $count): void
    {
        for ($i = 1; $i <= $count; $i++) {
            $this->js()->publish($subject, "message {$i}");
        }
    }

    /** Runs a command in-process; returns its exit code and output. */
    private function artisanOutput(string $command, array $parameters = []): array
    {
        // Undo the output mock an earlier $this->artisan() left bound.
        $this->app->offsetUnset(OutputStyle::class);
        $code = Artisan::call($command, $parameters);
        return [$code, Artisan::output()];
    }

    /** Adds connection `$name` to config/nats.php for this test. */
    private function useConnection(string $name, array $settings): void
    {
        $this->app['nats']->disconnect();
        config(["nats.connections.{$name}" => $settings]);
        $this->app->forgetInstance('nats');
    }

    /** The Field => Value rows of an info table. */
    private static function fields(string $output): array
    {
        preg_match_all('/^\| (.+?)\s+\| (.*?)\s*\|$/m', $output, $rows, PREG_SET_ORDER);
        return array_column($rows, 2, 1);
    }
}
