// Runs one conformance case in this process: every data set, every output compared.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../engine/onnx/decode.js';
import { InferenceSession } from '../../engine/session.js';
import type { Tensor } from '../../engine/tensor.js';
import { type Case, type CaseValue, dataSets, numberedFiles, readValue } from './cases.js';
import { compareTensors, type Tolerance } from './compare.js';

export type Status = 'pass' | 'fail' | 'error' | 'crash' | 'timeout' | 'excluded';
export interface CaseResult {
  id: string;
  status: Status;
  reason?: string;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

function compareValues(
  actual: CaseValue | undefined,
  expected: CaseValue,
  tol: Tolerance,
): string | undefined {
  if (expected === null) return actual === null ? undefined : 'expected an empty optional';
  if (actual === null || actual === undefined) return 'missing output';
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return 'expected a sequence';
    if (actual.length !== expected.length)
      return `sequence length ${actual.length} != expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const r = compareTensors(actual[i], expected[i], tol);
      if (r) return `[${i}] ${r}`;
    }
    return undefined;
  }
  if (Array.isArray(actual)) return 'got a sequence, expected a tensor';
  return compareTensors(actual as Tensor, expected, tol);
}

export async function runCase(c: Case, tol: Tolerance = DEFAULT_TOLERANCE): Promise<CaseResult> {
  let session: InferenceSession | undefined;
  try {
    const model = decodeModel(readFileSync(join(c.dir, 'model.onnx')));
    const g = model.graph;
    const inputs = g.inputs.filter((i) => !g.initializers.has(i.name));
    session = await InferenceSession.create(join(c.dir, 'model.onnx'), { intraOpNumThreads: 1 });
    for (const set of dataSets(c.dir)) {
      const feeds: Record<string, CaseValue> = {};
      numberedFiles(set, 'input').forEach((f, i) => {
        if (i < inputs.length) feeds[inputs[i].name] = readValue(f, inputs[i].type);
      });
      const out = await session.run(feeds);
      const files = numberedFiles(set, 'output');
      for (let i = 0; i < files.length; i++) {
        const o = g.outputs[i];
        const why = compareValues(out[o.name], readValue(files[i], o.type), tol);
        if (why) return { id: c.id, status: 'fail', reason: `output '${o.name}': ${why}` };
      }
    }
    return { id: c.id, status: 'pass' };
  } catch (e) {
    return {
      id: c.id,
      status: 'error',
      reason: ((e as Error).message ?? String(e)).split('\n')[0].slice(0, 400),
    };
  } finally {
    await session?.release();
  }
}
