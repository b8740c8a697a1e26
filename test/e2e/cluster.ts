// Shared setup for end-to-end tests: a real nats-server, the demo classifier pushed to the model index, real
// worker processes, and the in-process engine as the reference for every output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectOptions, type FleetClient } from '../../client/index.js';
import { buildDemoClassifier, InferenceSession, Tensor } from '../../engine/index.js';
import { mulberry32 } from '../helpers/prng.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';

export const MODEL = 'demo';

export class Cluster {
  readonly workers: WorkerProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'onnxfleet-e2e-'));
  readonly modelPath = join(this.dir, 'demo.onnx');
  private readonly clients: FleetClient[] = [];
  server!: NatsServer;
  client!: FleetClient;
  reference!: InferenceSession;

  static async start(options: { maxPayload?: number } = {}): Promise<Cluster> {
    const c = new Cluster();
    c.server = await startNatsServer(options);
    writeFileSync(c.modelPath, buildDemoClassifier({ seed: 7 }).toBytes());
    c.client = await c.connect();
    await c.client.pushModel(c.modelPath, { name: MODEL, version: '1' });
    c.reference = await InferenceSession.create(c.modelPath, { intraOpNumThreads: 1 });
    return c;
  }

  async connect(options: ConnectOptions = {}): Promise<FleetClient> {
    const client = await connect({ servers: this.server.url, ...options });
    this.clients.push(client);
    return client;
  }

  /**
   * Starts a worker with a private model cache, serving the demo model (`--models demo`) unless `placed` is
   * set, in which case it serves only what the coordinator places on it.
   */
  async worker(args: string[] = [], options: { placed?: boolean } = {}): Promise<WorkerProcess> {
    const w = await startWorker(this.server.url, [
      ...(options.placed ? [] : ['--models', MODEL]),
      '--cache-dir',
      join(this.dir, `cache-${this.workers.length}`),
      ...args,
    ]);
    this.workers.push(w);
    return w;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill().catch(() => undefined)));
    for (const c of this.clients) await c.close().catch(() => undefined);
    await this.reference?.release();
    await this.server?.stop();
  }
}

/** A seeded demo-classifier input of `batch` images. */
export function demoInput(seed: number, batch = 1): Record<string, Tensor> {
  const rand = mulberry32(seed);
  const data = new Float32Array(batch * 3 * 32 * 32);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return { images: new Tensor('float32', data, [batch, 3, 32, 32]) };
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.type !== b.type || a.dims.join() !== b.dims.join()) return Number.POSITIVE_INFINITY;
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}
