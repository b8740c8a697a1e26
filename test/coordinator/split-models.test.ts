// Every benchmark model split by the planner into 2 and 3 pipeline stages on different worker processes
// answers exactly like the unsplit model in-process (bitwise: same engine, same options, and the planner keeps
// every optimizer fusion inside one stage).
import { join } from 'node:path';
import test from 'ava';
import { InferenceSession, Tensor } from '../../engine/index.js';
import { currentPlacements } from '../../coordinator/cluster-view.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { findModel, makeInputs, MODEL_NAMES, modelsUnavailable } from '../helpers/models.js';
import { startCoordinator, type WorkerProcess } from '../helpers/worker-process.js';
import { Cluster } from '../e2e/cluster.js';

const skip = natsServerAvailable() ?? modelsUnavailable();
if (skip) test(`split models skipped: ${skip}`, (t) => t.pass());

let cluster: Cluster;
let coordinator: WorkerProcess;

test.before(async () => {
  if (skip) return;
  cluster = await Cluster.start();
  coordinator = await startCoordinator(cluster.server.url, [
    '--interval-ms',
    '300',
    '--cache-dir',
    join(cluster.dir, 'coordinator'),
  ]);
  for (let i = 0; i < 3; i++)
    await cluster.worker(['--threads', '1', '--intra-op', '1', '--no-jobs'], { placed: true });
});

test.after.always(async () => {
  await coordinator?.kill().catch(() => undefined);
  await cluster?.stop();
});

for (const name of MODEL_NAMES) {
  (skip ? test.skip : test.serial)(
    `${name} split into 2 and 3 stages on different workers equals the unsplit model bitwise`,
    async (t) => {
      const model = findModel(name);
      const feeds = Object.fromEntries(
        Object.entries(makeInputs(model, 1)).map(([k, v]) => [k, new Tensor(v.type, v.data, v.dims)]),
      ) as Record<string, Tensor>;
      const reference = await InferenceSession.create(model.path, { intraOpNumThreads: 1 });
      const want = await reference.run(feeds);
      await reference.release();
      for (const stages of [2, 3]) {
        const served = `${name}_k${stages}`;
        await cluster.client.pushModel(model.path, { name: served, stages });
        let placement;
        for (let i = 0; i < 600 && !placement; i++) {
          const p = (await currentPlacements(cluster.client.connection)).get(served);
          if (p && p.stages.length === stages && p.stages.every((s) => s.workers.length === 1)) placement = p;
          else await new Promise((r) => setTimeout(r, 100));
        }
        t.truthy(placement, `${served} was split and placed`);
        t.is(
          new Set(placement!.stages.map((s) => s.workers[0])).size,
          stages,
          'each stage on its own worker',
        );
        let got: Record<string, Tensor> | undefined;
        for (let i = 0; i < 100 && !got; i++) {
          got = await cluster.client.infer(served, feeds, { timeoutMs: 30_000 }).catch(() => undefined);
          if (!got) await new Promise((r) => setTimeout(r, 300));
        }
        t.truthy(got, `${served} answered`);
        for (const [out, w] of Object.entries(want)) {
          const a = got![out].data as Float32Array;
          const b = (w as Tensor).data as Float32Array;
          t.deepEqual(got![out].dims, (w as Tensor).dims);
          t.true(
            Buffer.compare(
              Buffer.from(a.buffer, a.byteOffset, a.byteLength),
              Buffer.from(b.buffer, b.byteOffset, b.byteLength),
            ) === 0,
            `${served} output '${out}' bitwise`,
          );
        }
      }
    },
  );
}
