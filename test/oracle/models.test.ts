// Whole-model oracle: our engine and onnxruntime-node run the benchmark models on the same seeded inputs,
// and every output element must agree within rtol 1e-4 / atol 1e-5 (atol scaled down to outputs smaller than 1).
import test from 'ava';
import * as ort from 'onnxruntime-node';
import { InferenceSession, Tensor } from '../../engine/index.js';
import { allclose, scaledTolerance } from '../helpers/allclose.js';
import {
  type InputSpec,
  loadModels,
  makeInputs,
  type ModelInfo,
  modelsUnavailable,
} from '../helpers/models.js';

const TOL = { rtol: 1e-4, atol: 1e-5 };
const BATCHES = [1, 4];
const THREADS = 2;

interface Pair {
  ours: InferenceSession;
  ort: ort.InferenceSession;
}

// Each runtime gets its own copy of the input bytes, so neither can see the other's use of them.
function copyOf(s: InputSpec): InputSpec {
  return { ...s, data: s.data.slice() };
}

const sessions = new Map<string, Promise<Pair>>();

function sessionsFor(m: ModelInfo): Promise<Pair> {
  let p = sessions.get(m.name);
  if (!p) {
    p = Promise.all([
      InferenceSession.create(m.path, { intraOpNumThreads: THREADS }),
      ort.InferenceSession.create(m.path, { intraOpNumThreads: THREADS, interOpNumThreads: 1 }),
    ]).then(([ours, ref]) => ({ ours, ort: ref }));
    sessions.set(m.name, p);
  }
  return p;
}

const reason = modelsUnavailable();
if (reason) {
  test.skip(`oracle: skipped, ${reason}`, () => {});
} else {
  for (const model of loadModels()) {
    for (const batch of BATCHES) {
      test.serial(`${model.name} batch ${batch} matches onnxruntime-node`, async (t) => {
        const { ours, ort: ref } = await sessionsFor(model);
        t.deepEqual([...ours.outputNames], [...ref.outputNames], 'output names');
        const inputs = makeInputs(model, batch);
        const ourFeeds: Record<string, Tensor> = {};
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [name, s] of Object.entries(inputs)) {
          const a = copyOf(s);
          const b = copyOf(s);
          ourFeeds[name] = new Tensor(a.type, a.data, a.dims);
          ortFeeds[name] = new ort.Tensor(b.type, b.data, b.dims);
        }
        const want = await ref.run(ortFeeds);
        const got = await ours.run(ourFeeds);
        for (const name of ref.outputNames) {
          const actual = got[name];
          if (!(actual instanceof Tensor)) {
            t.fail(`${model.name} batch ${batch} output '${name}': engine returned ${String(actual)}`);
            continue;
          }
          const tol = scaledTolerance(want[name], TOL);
          const r = allclose(actual, want[name], tol);
          const dims = actual.dims.join(', ');
          t.log(
            `${name} [${dims}]: max abs diff ${r.maxAbsDiff.toExponential(2)} (atol ${tol.atol.toExponential(2)})`,
          );
          if (r.failure) t.fail(`${model.name} batch ${batch} output '${name}': ${r.failure}`);
          else t.pass();
        }
      });
    }
  }

  test.after.always(async () => {
    for (const p of sessions.values()) {
      const pair = await p.catch(() => undefined);
      await pair?.ours.release();
      await pair?.ort.release();
    }
  });
}
