<?php

// One queue connection of the fixture app: dispatch N no-op jobs ($tries = 3) one by one,
// then drain them with one `php artisan queue:work CONN --stop-when-empty --sleep=0`.
// Prints `CONN dispatch_per_s work_per_s`.

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
passthru(sprintf(
    '%s %s queue:work %s --stop-when-empty --sleep=0 --quiet',
    escapeshellarg(PHP_BINARY),
    escapeshellarg("{$appDir}/artisan"),
    escapeshellarg($connection),
), $status);
$work = $count / (microtime(true) - $started);
if ($status !== 0 || $queue->size() !== 0) {
    fwrite(STDERR, "{$connection}: worker exited {$status} with {$queue->size()} jobs left\n");
    exit(1);
}
printf("%s %.0f %.0f\n", $connection, $dispatch, $work);
