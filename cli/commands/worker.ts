// `onnxfleet worker`: serve models from the cluster's model index over NATS until SIGINT/SIGTERM (then drain).
import { Command, Option } from 'commander';
import { pino, type Logger } from 'pino';
import { nonNegativeInt, positiveInt } from '../arguments.js';
import { setupTelemetry } from '../../observability/index.js';
import { WorkerNode } from '../../worker/index.js';

interface WorkerFlags {
  nats?: string;
  prefix?: string;
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
  metricsPort?: number;
  logLevel: string;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('serve models over NATS: online requests (request/reply) and durable jobs (JetStream)')
    .option('--nats <url>', 'NATS server URL (default: $NATS_URL or nats://127.0.0.1:4222)')
    .option('--prefix <prefix>', 'subject and bucket prefix', 'onnxfleet')
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
    .action(async (flags: WorkerFlags) => {
      const log = pino({ name: 'onnxfleet-worker', level: flags.logLevel });
      // Traces from OTEL_* variables, metrics on --metrics-port; nothing configured: nothing installed.
      const telemetry = await setupTelemetry({
        serviceName: 'onnxfleet-worker',
        metricsPort: flags.metricsPort,
      });
      try {
        await serve(flags, log);
      } finally {
        await telemetry.shutdown(); // flush the last spans
      }
    });
}

async function serve(flags: WorkerFlags, log: Logger): Promise<void> {
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
  // Tests and supervisors wait for this line before sending work.
  process.stdout.write(`worker ${node.id} ready\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await node.drain();
}
