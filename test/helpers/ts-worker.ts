// Starts a worker thread running a TypeScript file (tests run from sources through tsx).
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function tsWorker(
  entry: URL,
  options: WorkerOptions & { workerData?: Record<string, unknown> } = {},
): Worker {
  const bootstrap = new URL('./ts-worker-bootstrap.mjs', import.meta.url);
  return new Worker(bootstrap, { ...options, workerData: { ...options.workerData, __tsEntry: entry.href } });
}
