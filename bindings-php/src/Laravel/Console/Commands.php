<?php

declare(strict_types=1);

namespace NatsKit\Laravel\Console;

/** Every nats:* artisan command (the service provider registers them). */
final class Commands
{
    public const ALL = [
        StreamListCommand::class,
        StreamInfoCommand::class,
        StreamCreateCommand::class,
        StreamUpdateCommand::class,
        StreamPurgeCommand::class,
        StreamDeleteCommand::class,
        ConsumerListCommand::class,
        ConsumerInfoCommand::class,
        ConsumerCreateCommand::class,
        ConsumerDeleteCommand::class,
        JetStreamStatusCommand::class,
        PingCommand::class,
        HealthCommand::class,
        DashboardCommand::class,
    ];
}
