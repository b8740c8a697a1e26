// The coordinator with real worker processes: models pushed to the index get placed (two replicas by
// default), a dead worker's models move, a model that fits no worker is split into pipeline stages
// automatically and serves with the unsplit model's outputs, and a coordinator restart changes nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { InferenceSession, ModelBuilder, mulberry32, Tensor } from '../../engine/index.js';
import { currentPlacements } from '../../coordinator/cluster-view.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { freePort } from '../observability/free-port.js';
import { startCoordinator, type WorkerProcess } from '../helpers/worker-process.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from '../e2e/cluster.js';

const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`placement e2e skipped: ${missing}`, (t) => t.pass());

let cluster: Cluster;
let coordinator: WorkerProcess;
let metricsPort = 0;

/** An MLP with 6 MiB of weights: 256 -> 1024 -> 1024 -> 256 (the middle layer alone is 4 MiB). */
function buildMlp(path: string): void {
  const random = mulberry32(11);
  const w = (n: number, fanIn: number) =>
    Float32Array.from({ length: n }, () => (random() * 2 - 1) * Math.sqrt(3 / fanIn));
  const m = new ModelBuilder({ opset: 13, graphName: 'mlp' });
  m.input('x', 'float32', ['batch', 256]);
  m.initializer('w1', w(256 * 1024, 256), [256, 1024]);
  m.initializer('w2', w(1024 * 1024, 1024), [1024, 1024]);
  m.initializer('w3', w(1024 * 256, 1024), [1024, 256]);
  m.node('MatMul', ['x', 'w1'], ['h1'], {}, { name: 'fc1' });
  m.node('Relu', ['h1'], ['a1'], {}, { name: 'relu1' });
  m.node('MatMul', ['a1', 'w2'], ['h2'], {}, { name: 'fc2' });
  m.node('Relu', ['h2'], ['a2'], {}, { name: 'relu2' });
  m.node('MatMul', ['a2', 'w3'], ['y'], {}, { name: 'fc3' });
  m.output('y', 'float32', ['batch', 256]);
  writeFileSync(path, m.toBytes());
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test.before(async () => {
  if (missing) return;
  cluster = await Cluster.start();
  metricsPort = await freePort();
  coordinator = await startCoordinator(cluster.server.url, [
    '--interval-ms',
    '300',
    '--dead-after-ms',
    '2000',
    '--cache-dir',
    join(cluster.dir, 'coord'),
    '--metrics-port',
    String(metricsPort),
  ]);
});

test.after.always(async () => {
  await coordinator?.kill().catch(() => undefined);
  await cluster?.stop();
});

it('models in the index are placed on two workers, and move off a worker that dies', async (t) => {
  const w1 = await cluster.worker(['--no-jobs', '--heartbeat-ms', '300'], { placed: true });
  const w2 = await cluster.worker(['--no-jobs', '--heartbeat-ms', '300'], { placed: true });
  const w3 = await cluster.worker(['--no-jobs', '--heartbeat-ms', '300'], { placed: true });
  const conn = cluster.client.connection;
  const placed = await until('demo placed on two workers', async () => {
    const p = (await currentPlacements(conn)).get(MODEL);
    return p && p.workers.length === 2 ? p : undefined;
  });
  const got = await cluster.client.infer(MODEL, demoInput(5), { timeoutMs: 30_000 });
  t.true(
    maxAbsDiff(got.probabilities, (await cluster.reference.run(demoInput(5))).probabilities as Tensor) < 1e-6,
  );

  const byId = new Map([w1, w2, w3].map((w) => [w.id, w]));
  const victim = byId.get(placed.workers[0])!;
  await victim.kill();
  const moved = await until('demo re-placed off the dead worker', async () => {
    const p = (await currentPlacements(conn)).get(MODEL);
    return p && p.workers.length === 2 && !p.workers.includes(victim.id) ? p : undefined;
  });
  t.false(moved.workers.includes(victim.id));
  // The coordinator's metrics: two live workers after the kill, the model placed, placement changes counted.
  const scrape = await until('coordinator metrics after the move', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return /^onnxfleet_cluster_workers(\{[^}]*\})? 2$/m.test(text) ? text : undefined;
  });
  t.regex(scrape, /^onnxfleet_cluster_models\{[^}]*state="placed"[^}]*\} 1$/m);
  t.regex(scrape, /^onnxfleet_placement_changes_total(\{[^}]*\})? [2-9]\d*$/m);
  // Served by the survivors (retry while the new replica loads).
  const again = await until('an answer after the move', async () =>
    cluster.client.infer(MODEL, demoInput(6), { timeoutMs: 10_000 }).catch(() => undefined),
  );
  t.true(
    maxAbsDiff(again.probabilities, (await cluster.reference.run(demoInput(6))).probabilities as Tensor) <
      1e-6,
  );
});

it('a model larger than every worker budget is split into stages automatically and serves', async (t) => {
  const prefix = 'split';
  const client = await cluster.connect({ prefix });
  const c2 = await startCoordinator(cluster.server.url, [
    '--prefix',
    prefix,
    '--interval-ms',
    '300',
    '--cache-dir',
    join(cluster.dir, 'coord2'),
  ]);
  try {
    for (let i = 0; i < 3; i++)
      await cluster.worker(['--prefix', prefix, '--memory-budget-mb', '5'], { placed: true });
    const path = join(cluster.dir, 'mlp.onnx');
    buildMlp(path);
    await client.pushModel(path, { name: 'mlp' });
    const placed = await until('mlp split and placed', async () => {
      const p = (await currentPlacements(client.connection)).get('mlp');
      return p && p.stages.length >= 2 && p.stages.every((s) => s.workers.length) ? p : undefined;
    });
    t.true(placed.stages.length >= 2, placed.reason);
    t.is(new Set(placed.stages.map((s) => s.workers[0])).size, placed.stages.length, 'one worker per stage');
    for (const s of placed.stages)
      t.true(s.weightBytes <= 5 * 2 ** 20, `stage ${s.index} holds ${s.weightBytes} bytes`);

    const reference = await InferenceSession.create(path, { intraOpNumThreads: 1 });
    const random = mulberry32(3);
    const inputs = Array.from({ length: 8 }, (_, i) => ({
      x: new Tensor(
        'float32',
        Float32Array.from({ length: (1 + (i % 3)) * 256 }, () => random() - 0.5),
        [1 + (i % 3), 256],
      ),
    }));
    const outs = await until('the pipeline answers', async () =>
      Promise.all(inputs.map((f) => client.infer('mlp', f, { timeoutMs: 20_000 }))).catch(() => undefined),
    );
    for (let i = 0; i < inputs.length; i++) {
      const want = (await reference.run(inputs[i])).y as Tensor;
      t.deepEqual(
        Array.from(outs[i].y.data as Float32Array),
        Array.from(want.data as Float32Array),
        `request ${i} bitwise`,
      );
    }
    // Durable jobs for a split model go through the pipeline too.
    const jobs = await Promise.all(inputs.slice(0, 4).map((f) => client.submitJob('mlp', f)));
    for (let i = 0; i < jobs.length; i++) {
      const r = await client.watchJob(jobs[i], { timeoutMs: 60_000 });
      t.is(r.state, 'SUCCEEDED', r.error?.message);
      const want = (await reference.run(inputs[i])).y as Tensor;
      t.deepEqual(
        Array.from(r.outputs.y.data as Float32Array),
        Array.from(want.data as Float32Array),
        `job ${i} bitwise`,
      );
    }
    await reference.release();
  } finally {
    await c2.kill();
  }
});
