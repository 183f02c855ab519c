<?php

namespace App\Console;

use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    /** The demo's commands; the package's `nats:*` commands are auto-discovered. */
    protected $commands = [
        Commands\DemoDispatchCommand::class,
        Commands\DemoReportCommand::class,
    ];
}
