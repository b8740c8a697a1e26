// `onnxfleet worker`: serve models from the cluster's model index over NATS until SIGINT/SIGTERM (then drain).
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { nonNegativeInt, positiveInt } from '../arguments.js';
import { runService, serviceCommand, type ServiceFlags } from '../service-process.js';
import { WorkerNode } from '../../worker/index.js';

interface WorkerFlags extends ServiceFlags {
  models?: string;
  threads?: number;
  intraOp?: number;
  maxQueue?: number;
  maxBatch?: number;
  batchWindowMs?: number;
  maxAttempts?: number;
  ackWaitMs?: number;
  cacheDir?: string;
  jobs: boolean;
  placement: boolean;
  memoryBudgetMb?: number;
  id?: string;
  heartbeatMs?: number;
}

export function workerCommand(): Command {
  return serviceCommand('worker')
    .description('serve models over NATS: online requests (request/reply) and durable jobs (JetStream)')
    .option(
      '--models <names>',
      'comma-separated models to serve, each NAME or NAME@VERSION (pushed with `onnxfleet models push`)',
    )
    .option('--threads <n>', 'pool threads (concurrent engine runs); default min(cores, 2)', positiveInt)
    .option('--intra-op <n>', 'threads inside one run; default cores / threads', positiveInt)
    .option('--max-queue <n>', 'requests that may wait; beyond this they get OVERLOADED', positiveInt)
    .option('--max-batch <n>', 'most requests stacked into one run (1: no batching)', positiveInt)
    .option('--batch-window-ms <ms>', 'how long a request may wait for others to batch with', nonNegativeInt)
    .option(
      '--max-attempts <n>',
      'deliveries of a durable job before it ends with an error result',
      positiveInt,
    )
    .option(
      '--ack-wait-ms <ms>',
      'durable jobs: lease before an unacknowledged job is redelivered',
      positiveInt,
    )
    .option('--cache-dir <dir>', 'model file cache (default ~/.cache/onnxfleet/models)')
    .option('--no-jobs', 'serve online requests only')
    .option('--no-placement', 'serve only --models; ignore the coordinator')
    .option(
      '--memory-budget-mb <mb>',
      'weight memory this worker offers the coordinator (default: half the RAM)',
      positiveInt,
    )
    .option('--id <id>', 'stable worker id (default: random)')
    .option('--heartbeat-ms <ms>', 'presence heartbeat period (default 2000)', positiveInt)
    .action((flags: WorkerFlags) => runService('worker', flags, (log) => start(flags, log)));
}

async function start(flags: WorkerFlags, log: Logger): Promise<{ ready: string; stop: () => Promise<void> }> {
  const node = await WorkerNode.start(
    {
      connection: { servers: flags.nats, prefix: flags.prefix },
      models: (flags.models ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      threads: flags.threads,
      intraOp: flags.intraOp,
      maxQueue: flags.maxQueue,
      maxBatch: flags.maxBatch,
      batchWindowMs: flags.batchWindowMs,
      maxAttempts: flags.maxAttempts,
      ackWaitMs: flags.ackWaitMs,
      cacheDir: flags.cacheDir,
      jobs: flags.jobs,
      placement: flags.placement,
      memoryBudgetBytes: flags.memoryBudgetMb === undefined ? undefined : flags.memoryBudgetMb * 2 ** 20,
      workerId: flags.id,
      heartbeatMs: flags.heartbeatMs,
    },
    log,
  );
  return { ready: `worker ${node.id} ready`, stop: () => node.drain() };
}
