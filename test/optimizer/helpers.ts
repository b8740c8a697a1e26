// Shared checks for optimizer pass tests: run a model with a pass on and off, require equal outputs, and
// count op types of the executed plan so a test can prove the pattern was rewritten.
import test, { type ExecutionContext } from 'ava';
import { InferenceSession, type SessionOptions, Tensor } from '../../engine/index.js';
import { allclose, scaledTolerance, type Tolerance } from '../helpers/allclose.js';
import { findModel, makeInputs, modelsUnavailable } from '../helpers/models.js';
import { mulberry32, normal, seedOf } from '../helpers/prng.js';

export const TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** Op type -> count over a session's executed plan; non-ai.onnx ops as `domain.OpType`. */
export type OpCounts = Record<string, number>;

export function opCountsOf(s: InferenceSession): OpCounts {
  const out: OpCounts = {};
  for (const n of s.planNodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    out[op] = (out[op] ?? 0) + 1;
  }
  return out;
}

export interface OnOff {
  on: OpCounts;
  off: OpCounts;
  outputs: Record<string, Tensor>;
}

/** Seeded standard-normal float32 data, one stream per name. */
export function randn(name: string, dims: number[], scale = 1): Float32Array {
  const rand = mulberry32(seedOf(name));
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = normal(rand) * scale;
  return data;
}

export function randTensor(name: string, dims: number[], scale = 1): Tensor {
  return new Tensor('float32', randn(name, dims, scale), dims);
}

/**
 * Runs `model` with every pass of `level` and again with `passes` disabled; every output must agree within
 * `tol` (atol scaled down to outputs smaller than 1, as in the oracle test).
 */
export async function compareOnOff(
  t: ExecutionContext,
  model: string | Uint8Array,
  passes: string[],
  feeds: Record<string, Tensor>,
  options: SessionOptions = {},
  tol: Tolerance = TOL,
): Promise<OnOff> {
  const base: SessionOptions = { intraOpNumThreads: 2, graphOptimizationLevel: 'all', ...options };
  const on = await InferenceSession.create(model, base);
  const off = await InferenceSession.create(model, {
    ...base,
    disabledOptimizers: [...(options.disabledOptimizers ?? []), ...passes],
  });
  try {
    const [got, want] = [await on.run(feeds), await off.run(feeds)];
    for (const name of off.outputNames) {
      const [a, e] = [got[name] as Tensor, want[name] as Tensor];
      const report = allclose(a, e, scaledTolerance(e, tol));
      t.is(report.failure, undefined, `${passes.join('+')}: output '${name}'`);
    }
    return { on: opCountsOf(on), off: opCountsOf(off), outputs: got as Record<string, Tensor> };
  } finally {
    await Promise.all([on.release(), off.release()]);
  }
}

/** A benchmark model's path and seeded batch-1 feeds. */
export function benchmarkModel(name: string): { path: string; feeds: Record<string, Tensor> } {
  const m = findModel(name);
  const feeds: Record<string, Tensor> = {};
  for (const [k, s] of Object.entries(makeInputs(m, 1))) feeds[k] = new Tensor(s.type, s.data, s.dims);
  return { path: m.path, feeds };
}

/** A test on a benchmark model, skipped with the reason when the models folder is absent. */
export function modelTest(title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  const reason = modelsUnavailable();
  if (reason) test.skip(`${title}: skipped, ${reason}`, () => {});
  else test(title, fn);
}
