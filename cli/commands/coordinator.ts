// `onnxfleet coordinator`: the control plane (placement, model splitting, batch jobs) until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { positiveInt } from '../arguments.js';
import { runService, serviceCommand, type ServiceFlags } from '../service-process.js';
import { Coordinator } from '../../coordinator/index.js';

interface CoordinatorFlags extends ServiceFlags {
  intervalMs?: number;
  deadAfterMs?: number;
  cacheDir?: string;
  batches: boolean;
  batchLeaseMs?: number;
}

export function coordinatorCommand(): Command {
  return serviceCommand('coordinator')
    .description('run the control plane: model registry, placement, model splitting, batch jobs')
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
    .action((flags: CoordinatorFlags) =>
      runService('coordinator', flags, async (log) => {
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
        return { ready: 'coordinator ready', stop: () => c.stop() };
      }),
    );
}
