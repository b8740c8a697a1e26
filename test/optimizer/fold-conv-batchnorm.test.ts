// fold-conv-batchnorm: inference BatchNormalization after a Conv folds into the Conv's weights and bias.
// None of the benchmark models has one left (their exporter folded them), so only built graphs test it.
import test from 'ava';
import { attr, ModelBuilder } from '../../engine/index.js';
import { compareOnOff, randn, randTensor } from './helpers.js';

const PASS = 'fold-conv-batchnorm';

interface Options {
  group?: number;
  bias?: boolean;
  /** Also make the Conv output a graph output (the BatchNormalization must then stay). */
  exposeConv?: boolean;
}

function model({ group = 1, bias = true, exposeConv = false }: Options = {}): Uint8Array {
  const [n, c, k] = [2, 6, 4 * group];
  const mb = new ModelBuilder({ opset: 15 })
    .input('x', 'float32', [n, c, 7, 7])
    .initializer('w', Array.from(randn('w', [k, c / group, 3, 3], 0.3)), [k, c / group, 3, 3])
    .initializer('scale', Array.from(randn('scale', [k])), [k])
    .initializer('beta', Array.from(randn('beta', [k])), [k])
    .initializer('mean', Array.from(randn('mean', [k])), [k])
    .initializer(
      'var',
      Array.from(randn('var', [k]), (v) => 0.5 + v * v),
      [k],
    );
  if (bias) mb.initializer('b', Array.from(randn('b', [k])), [k]);
  mb.node('Conv', ['x', 'w', bias ? 'b' : ''], ['c'], { group, strides: [2, 2] })
    .node('BatchNormalization', ['c', 'scale', 'beta', 'mean', 'var'], ['y'], { epsilon: attr.float(1e-3) })
    .output('y', 'float32', [n, k, 3, 3]);
  if (exposeConv) mb.output('c', 'float32', [n, k, 3, 3]);
  return mb.toBytes();
}

const feeds = { x: randTensor('x', [2, 6, 7, 7]) };
// The BN-only variants compare at level basic: at extended the folded Conv is untouched by later fusions anyway.
const basic = { graphOptimizationLevel: 'basic' as const };

for (const [name, options] of [
  ['Conv with bias', {}],
  ['Conv without bias', { bias: false }],
  ['grouped Conv', { group: 2 }],
] as [string, Options][]) {
  test(`${name} + BatchNormalization folds into the Conv`, async (t) => {
    const { on, off } = await compareOnOff(t, model(options), [PASS], feeds, basic);
    t.deepEqual(on, { Conv: 1 });
    t.deepEqual(off, { Conv: 1, BatchNormalization: 1 });
  });
}

test('a Conv output read elsewhere keeps its BatchNormalization', async (t) => {
  const { on } = await compareOnOff(t, model({ exposeConv: true }), [PASS], feeds, basic);
  t.deepEqual(on, { Conv: 1, BatchNormalization: 1 });
});
