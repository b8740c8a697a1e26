// Worker settings, their defaults and validation.
import { availableParallelism, homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { checkModelName } from '../protocol/index.js';
import type { ConnectOptions } from '../client/connection.js';

export interface WorkerOptions {
  connection: ConnectOptions;
  /** Models to serve: "name" or "name@version". */
  models: string[];
  /** Pool threads (concurrent engine runs). */
  threads: number;
  /** Intra-op threads per run. threads x intraOp never exceeds the cores unless asked. */
  intraOp: number;
  /** Requests waiting beyond this get OVERLOADED. */
  maxQueue: number;
  /** Largest number of requests stacked into one run (1 turns batching off). */
  maxBatch: number;
  /** How long the oldest request may wait for others to batch with (0: only batch what is already queued). */
  batchWindowMs: number;
  /** Durable jobs: delivery attempts before a job ends with an error result. */
  maxAttempts: number;
  /** Durable jobs: how long a job may go without an in-progress signal before it is redelivered. */
  ackWaitMs: number;
  /** Durable jobs held at once (running or queued) per model. */
  jobConcurrency: number;
  /** Where model files are cached, by sha256. */
  cacheDir: string;
  /** Presence heartbeat period; the KV entry expires after 3 missed beats. */
  heartbeatMs: number;
  /** Serve durable jobs (in addition to online requests). */
  jobs: boolean;
  /** Follow the coordinator's placement (load and unload what it assigns). */
  placement: boolean;
  /** Weight bytes this worker may hold; the coordinator splits models that fit no worker. */
  memoryBudgetBytes: number;
  /** Stable id (default: random per start). */
  workerId?: string;
}

export function resolveWorkerOptions(
  o: Partial<WorkerOptions> & { connection?: ConnectOptions },
): WorkerOptions {
  const cores = availableParallelism();
  const threads = o.threads ?? Math.max(1, Math.min(cores, 2));
  const intraOp = o.intraOp ?? Math.max(1, Math.floor(cores / threads));
  const positive = (name: string, v: number, min = 1) => {
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const models = (o.models ?? []).map((m) => {
    const [name, version] = m.split('@');
    checkModelName(name);
    return version ? `${name}@${version}` : name;
  });
  return {
    connection: o.connection ?? {},
    models,
    threads: positive('threads', threads),
    intraOp: positive('intra-op', intraOp),
    maxQueue: positive('max-queue', o.maxQueue ?? 256),
    maxBatch: positive('max-batch', o.maxBatch ?? 8),
    batchWindowMs: positive('batch-window-ms', o.batchWindowMs ?? 0, 0),
    maxAttempts: positive('max-attempts', o.maxAttempts ?? 5),
    ackWaitMs: positive('ack-wait-ms', o.ackWaitMs ?? 30_000, 1000),
    jobConcurrency: positive('job-concurrency', o.jobConcurrency ?? threads * 2),
    cacheDir:
      o.cacheDir ?? process.env.ONNXFLEET_CACHE_DIR ?? join(homedir(), '.cache', 'onnxfleet', 'models'),
    heartbeatMs: positive('heartbeat-ms', o.heartbeatMs ?? 2000, 100),
    jobs: o.jobs ?? true,
    placement: o.placement ?? true,
    memoryBudgetBytes: o.memoryBudgetBytes ?? Math.floor(totalmem() * 0.5),
    workerId: o.workerId,
  };
}
