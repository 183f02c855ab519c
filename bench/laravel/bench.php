<?php

// One queue connection of the fixture app: dispatch N no-op jobs ($tries = 3) one by one,
// then drain them with one `php artisan queue:work CONN --stop-when-empty --sleep=0`, then
// push N more with one Queue::bulk() and drain those too.
// Prints `CONN dispatch_per_s work_per_s bulk_per_s`.

declare(strict_types=1);

[$script, $appDir, $connection, $count] = $argv + [null, null, null, '5000'];
$count = (int) $count;
require "{$appDir}/vendor/autoload.php";
$laravel = require "{$appDir}/bootstrap/app.php";
$laravel->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();

if ($connection === 'database' && !Illuminate\Support\Facades\Schema::hasTable('jobs')) {
    // Laravel's own `queue:table` migration.
    Illuminate\Support\Facades\Schema::create('jobs', function (Illuminate\Database\Schema\Blueprint $table) {
        $table->bigIncrements('id');
        $table->string('queue')->index();
        $table->longText('payload');
        $table->unsignedTinyInteger('attempts');
        $table->unsignedInteger('reserved_at')->nullable();
        $table->unsignedInteger('available_at');
        $table->unsignedInteger('created_at');
    });
}
$queue = Illuminate\Support\Facades\Queue::connection($connection);
$started = microtime(true);
for ($i = 0; $i < $count; $i++) {
    dispatch(new App\Jobs\NoopJob())->onConnection($connection);
}
$dispatch = $count / (microtime(true) - $started);
if ($queue->size() !== $count) {
    fwrite(STDERR, "{$connection}: {$queue->size()} jobs queued, expected {$count}\n");
    exit(1);
}

$started = microtime(true);
$status = work($appDir, $connection);
$work = $count / (microtime(true) - $started);
if ($status !== 0 || $queue->size() !== 0) {
    fwrite(STDERR, "{$connection}: worker exited {$status} with {$queue->size()} jobs left\n");
    exit(1);
}
$jobs = array_map(static fn () => new App\Jobs\NoopJob(), range(1, $count));
$started = microtime(true);
$queue->bulk($jobs);
$bulk = $count / (microtime(true) - $started);
$status = work($appDir, $connection);
if ($status !== 0 || $queue->size() !== 0) {
    fwrite(STDERR, "{$connection}: bulk jobs left: {$queue->size()}\n");
    exit(1);
}
printf("%s %.0f %.0f %.0f\n", $connection, $dispatch, $work, $bulk);

/** Drains the connection with one `php artisan queue:work`; returns its exit status. */
function work(string $appDir, string $connection): int
{
    passthru(sprintf(
        '%s %s queue:work %s --stop-when-empty --sleep=0 --quiet',
        escapeshellarg(PHP_BINARY),
        escapeshellarg("{$appDir}/artisan"),
        escapeshellarg($connection),
    ), $status);
    return $status;
}
