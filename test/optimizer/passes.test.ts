// The pass list: unique names, known levels, and each level a superset of the one below.
import test from 'ava';
import { InferenceSession, ModelBuilder, type SessionOptions } from '../../engine/index.js';
import { normalizeModel } from '../../engine/normalize/normalize.js';
import { decodeModel } from '../../engine/onnx/decode.js';
import { optimize, PASSES } from '../../engine/optimizer/optimize.js';
import { compareOnOff, opCountsOf, randTensor } from './helpers.js';

test('every pass has a unique name and a level', (t) => {
  const names = PASSES.map((p) => p.name);
  t.is(new Set(names).size, names.length);
  for (const p of PASSES) t.true(['basic', 'extended', 'all'].includes(p.level), p.name);
});

test('levels: basic leaves contrib fusions alone, disabledOptimizers turns one pass off', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', [1, 2, 4, 4])
    .initializer(
      'w',
      [...Array(2 * 2 * 9).keys()].map((i) => (i % 5) / 10 - 0.2),
      [2, 2, 3, 3],
    )
    .node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] })
    .node('Relu', ['c'], ['y'])
    .output('y', 'float32', [1, 2, 4, 4])
    .toBytes();
  const counts = async (options: SessionOptions) => {
    const s = await InferenceSession.create(model, options);
    const c = opCountsOf(s);
    await s.release();
    return c;
  };
  t.deepEqual(await counts({ graphOptimizationLevel: 'basic' }), { Conv: 1, Relu: 1 });
  t.deepEqual(await counts({ graphOptimizationLevel: 'extended' }), { 'com.microsoft.FusedConv': 1 });
  const { off } = await compareOnOff(t, model, ['fuse-conv-activation'], {
    x: randTensor('x', [1, 2, 4, 4]),
  });
  t.deepEqual(off, { Conv: 1, Relu: 1 });
});

test('optimize can print the graph before and after each pass that changed it', (t) => {
  const bytes = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', [2])
    .node('Identity', ['x'], ['i'])
    .node('Relu', ['i'], ['y'])
    .output('y', 'float32', [2])
    .toBytes();
  const model = normalizeModel(decodeModel(bytes), { what: 'test' });
  const printed: string[] = [];
  optimize(model, { level: 'basic', print: (s) => printed.push(s) }, { what: 'test' });
  t.deepEqual(printed, [
    '== before optimizing\nIdentity x -> i\nRelu i -> y',
    '== after eliminate-identity\nRelu x -> y',
  ]);
});
