// `onnxfleet up`: a whole cluster on this machine: nats-server with JetStream, a coordinator and N workers,
// models pushed from a folder; prints the endpoints and stops everything cleanly on Ctrl-C.
import { mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { basename, join } from 'node:path';
import { Command } from 'commander';
import { connect } from '../../client/index.js';
import { positiveInt } from '../arguments.js';
import { startNatsServer, stopProcess, type NatsServer } from '../local/nats-server.js';
import { spawnSelf, type Child } from '../local/self.js';

interface UpFlags {
  workers: number;
  models?: string;
  port: number;
  storeDir?: string;
  threads?: number;
  intraOp?: number;
  memoryBudgetMb?: number;
  verbose: boolean;
}

export interface LocalCluster {
  url: string;
  server: NatsServer;
  coordinator: Child;
  workers: Child[];
  stop(): Promise<void>;
}

/** Model name for a file: its base name with anything outside [A-Za-z0-9_-] turned into '_'. */
export function modelNameOf(file: string): string {
  return basename(file, '.onnx').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Starts nats-server, a coordinator and `workers` workers; resolves when all are ready. */
export async function startLocalCluster(options: {
  workers: number;
  port?: number;
  storeDir?: string;
  workerArgs?: string[];
  log?: (line: string) => void;
}): Promise<LocalCluster> {
  const server = await startNatsServer({ port: options.port, storeDir: options.storeDir });
  const children: Child[] = [];
  const stop = async () => {
    // Workers drain first (in-flight work finishes), then the coordinator, then NATS.
    await Promise.all(
      children.filter((c) => c.name.startsWith('worker')).map((c) => stopProcess(c.proc, 30_000)),
    );
    await Promise.all(children.map((c) => stopProcess(c.proc)));
    await server.stop();
  };
  try {
    const coordinator = spawnSelf(
      'coordinator',
      ['coordinator', '--nats', server.url, '--log-level', 'warn'],
      /^coordinator ready/,
      options.log,
    );
    children.push(coordinator);
    await coordinator.ready;
    const workers = Array.from({ length: options.workers }, (_, i) =>
      spawnSelf(
        `worker ${i + 1}`,
        ['worker', '--nats', server.url, '--log-level', 'warn', ...(options.workerArgs ?? [])],
        /^worker (\S+) ready/,
        options.log,
      ),
    );
    children.push(...workers);
    await Promise.all(workers.map((w) => w.ready));
    return { url: server.url, server, coordinator, workers, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function up(flags: UpFlags): Promise<void> {
  const cores = availableParallelism();
  const threads = flags.threads ?? 1;
  const intraOp = flags.intraOp ?? Math.max(1, Math.floor(cores / (flags.workers * threads)));
  const workerArgs = ['--threads', String(threads), '--intra-op', String(intraOp)];
  if (flags.memoryBudgetMb) workerArgs.push('--memory-budget-mb', String(flags.memoryBudgetMb));
  const storeDir = flags.storeDir ?? join(homedir(), '.cache', 'onnxfleet', 'nats');
  mkdirSync(storeDir, { recursive: true });
  console.log(
    `starting nats-server (JetStream store ${storeDir}), a coordinator and ${flags.workers} worker(s)...`,
  );
  const cluster = await startLocalCluster({
    workers: flags.workers,
    port: flags.port,
    storeDir,
    workerArgs,
    log: flags.verbose ? (l) => process.stderr.write(`${l}\n`) : undefined,
  });
  try {
    if (flags.models) {
      const client = await connect({ servers: cluster.url });
      try {
        for (const f of readdirSync(flags.models)
          .filter((f) => f.endsWith('.onnx'))
          .sort()) {
          const ref = await client.pushModel(join(flags.models, f), { name: modelNameOf(f) });
          console.log(`pushed ${ref.name} (${(ref.size / 2 ** 20).toFixed(1)} MiB)`);
        }
      } finally {
        await client.close();
      }
    }
    console.log(`
cluster up:
  NATS           ${cluster.url}
  coordinator    pid ${cluster.coordinator.proc.pid}
  workers        ${cluster.workers.map((w) => `pid ${w.proc.pid}`).join(', ')} (${threads} pool thread(s) x ${intraOp} intra-op each)

try, in another shell:
  export NATS_URL=${cluster.url}
  onnxfleet models push model.onnx --name mymodel
  onnxfleet status
  onnxfleet infer mymodel --input input=random

Ctrl-C stops everything.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.log('\nstopping: workers drain, then the coordinator and nats-server...');
  } finally {
    await cluster.stop();
  }
  console.log('stopped');
}

export function upCommand(): Command {
  return new Command('up')
    .description('start a local cluster: nats-server (JetStream), a coordinator and N workers')
    .option('--workers <n>', 'worker processes', positiveInt, 2)
    .option('--models <dir>', 'push every .onnx file in this folder (name = file name)')
    .option('--port <port>', 'NATS client port', positiveInt, 4222)
    .option('--store-dir <dir>', 'JetStream store (default ~/.cache/onnxfleet/nats; kept across runs)')
    .option('--threads <n>', 'pool threads per worker', positiveInt)
    .option('--intra-op <n>', 'intra-op threads per run (default: cores / (workers x threads))', positiveInt)
    .option('--memory-budget-mb <mb>', 'weight memory each worker offers', positiveInt)
    .option('--verbose', 'show the processes’ logs', false)
    .action(up);
}
