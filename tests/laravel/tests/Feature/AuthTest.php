<?php

namespace Tests\Feature;

use App\Jobs\RecordJob;
use Illuminate\Support\Facades\Queue;
use NatsKit\Exception\AuthorizationException;
use NatsKit\Exception\ErrorCode;
use Nats;
use Tests\TestCase;

/** A server with user/password: the seed's NATS_USER / NATS_PASSWORD, right and wrong. */
class AuthTest extends TestCase
{
    private const PASSWORD = 'Right-Pa55word';
    private const WRONG = 'Wr0ng-Pa55word';

    protected static function serverArguments(): array
    {
        return ['--user', 'alice', '--pass', self::PASSWORD];
    }

    protected static function environment(): array
    {
        return ['NATS_USER' => 'alice', 'NATS_PASSWORD' => self::PASSWORD];
    }

    public function test_the_right_credentials_publish_dispatch_and_work(): void
    {
        Nats::publish('auth.ok', ['ok' => true]);
        Nats::connection()->flush();
        dispatch(new RecordJob($this->key('auth')))->onQueue($this->queue);
        $this->startWorker();
        $this->waitFor(fn () => $this->runs($this->key('auth'), 'done'), 15, 'the job with credentials');
        $this->assertSame(0, Queue::connection('nats')->size($this->queue));
    }

    public function test_a_wrong_password_is_an_authorization_error_that_does_not_show_it(): void
    {
        config(['nats.connections.default.password' => self::WRONG, 'queue.connections.nats.password' => self::WRONG]);
        foreach ([fn () => Nats::connection(), fn () => dispatch(new RecordJob($this->key('no')))->onQueue($this->queue)] as $attempt) {
            try {
                $attempt();
                $this->fail('a wrong password must throw');
            } catch (AuthorizationException $e) {
                $this->assertSame(ErrorCode::AUTHORIZATION, $e->getCode());
                $this->assertStringNotContainsString(self::WRONG, $e->getMessage());
                $this->assertStringNotContainsString(self::WRONG, $e->getTraceAsString(), 'nor does its trace');
                $this->assertStringNotContainsString(self::WRONG, (string) $e);
            }
        }

        $worker = $this->runArtisan(['queue:work', 'nats', '--once'], ['NATS_PASSWORD' => self::WRONG]);
        $this->assertNotSame(0, $worker->exitCode());
        $output = $worker->stdout() . $worker->stderr() . @file_get_contents(self::dir() . '/laravel.log');
        $this->assertMatchesRegularExpression('/authori[sz]ation/i', $output, $worker->describe());
        $this->assertStringNotContainsString(self::WRONG, $output, 'the password is in no output and no log');
    }

    public function test_missing_credentials_are_refused(): void
    {
        config(['nats.connections.default.user' => null, 'nats.connections.default.password' => null]);
        $this->expectException(AuthorizationException::class);
        Nats::connection();
    }
}
