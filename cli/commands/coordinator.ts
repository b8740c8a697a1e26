// `onnxfleet coordinator`: the control plane (placement, model splitting, batch jobs) until SIGINT/SIGTERM.
import { Command, Option } from 'commander';
import { pino, type Logger } from 'pino';
import { nonNegativeInt, positiveInt } from '../arguments.js';
import { setupTelemetry } from '../../observability/index.js';
import { Coordinator } from '../../coordinator/index.js';

interface CoordinatorFlags {
  nats?: string;
  prefix: string;
  intervalMs?: number;
  deadAfterMs?: number;
  cacheDir?: string;
  batches: boolean;
  batchLeaseMs?: number;
  metricsPort?: number;
  logLevel: string;
}

export function coordinatorCommand(): Command {
  return new Command('coordinator')
    .description('run the control plane: model registry, placement, model splitting, batch jobs')
    .option('--nats <url>', 'NATS server URL (default: $NATS_URL or nats://127.0.0.1:4222)')
    .option('--prefix <prefix>', 'subject and bucket prefix', 'onnxfleet')
    .option('--interval-ms <ms>', 'placement round period', positiveInt)
    .option(
      '--dead-after-ms <ms>',
      'a worker silent this long is dead and its models are re-placed',
      positiveInt,
    )
    .option('--cache-dir <dir>', 'model file cache (default ~/.cache/onnxfleet/models)')
    .option('--no-batches', 'do not run batch jobs')
    .option(
      '--batch-lease-ms <ms>',
      'a batch claimed by a coordinator that stops renewing it is taken over after this',
      positiveInt,
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on this port at /metrics (default: $ONNXFLEET_METRICS_PORT; 0: off)',
      nonNegativeInt,
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(async (flags: CoordinatorFlags) => {
      const log = pino({ name: 'onnxfleet-coordinator', level: flags.logLevel });
      const telemetry = await setupTelemetry({
        serviceName: 'onnxfleet-coordinator',
        metricsPort: flags.metricsPort,
      });
      try {
        await serve(flags, log);
      } finally {
        await telemetry.shutdown();
      }
    });
}

async function serve(flags: CoordinatorFlags, log: Logger): Promise<void> {
  const c = await Coordinator.start(
    {
      connection: { servers: flags.nats, prefix: flags.prefix },
      intervalMs: flags.intervalMs,
      deadAfterMs: flags.deadAfterMs,
      cacheDir: flags.cacheDir,
      batches: flags.batches,
      batchLeaseMs: flags.batchLeaseMs,
    },
    log,
  );
  process.stdout.write('coordinator ready\n');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await c.stop();
}
