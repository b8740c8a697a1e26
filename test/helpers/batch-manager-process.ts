// A coordinator's BatchManager in a process of its own, so tests can SIGKILL it mid-batch and start another.
// Run as a script: `node --import tsx test/helpers/batch-manager-process.ts NATS_URL PREFIX LEASE_MS` prints
// "batch-manager ready" once it follows the batches bucket and stops (handing its batches back) on SIGTERM.
// Imported: `startBatchManager()` spawns it and waits for that line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopProcess } from './nats-server.js';

const SELF = fileURLToPath(import.meta.url);

export interface BatchManagerProcess {
  proc: ChildProcess;
  log(): string;
  /** SIGTERM: the manager stops and releases its batches. */
  stop(): Promise<void>;
  /** SIGKILL: no goodbye; its claims lapse with their lease. */
  kill(): Promise<void>;
}

export async function startBatchManager(
  natsUrl: string,
  options: { prefix?: string; leaseMs?: number } = {},
): Promise<BatchManagerProcess> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', SELF, natsUrl, options.prefix ?? 'onnxfleet', String(options.leaseMs ?? 2000)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`batch manager not ready in 60 s:\n${output}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('batch-manager ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`batch manager exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return {
    proc,
    log: () => output,
    stop: () => stopProcess(proc, 30_000),
    kill: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const [servers, prefix, leaseMs] = process.argv.slice(2);
  const { pino, destination } = await import('pino');
  const { FleetConnection } = await import('../../client/connection.js');
  const { BatchManager } = await import('../../coordinator/batch/index.js');
  const log = pino({ name: 'batch-manager', level: process.env.BATCH_LOG_LEVEL ?? 'warn' }, destination(2));
  const conn = await FleetConnection.open({ servers, prefix, name: 'test-batch-manager' });
  const manager = new BatchManager(conn, log, { leaseMs: Number(leaseMs) });
  await manager.start();
  process.stdout.write('batch-manager ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await manager.stop();
  await conn.close();
}

if (process.argv[1] === SELF) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
