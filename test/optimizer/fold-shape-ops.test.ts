// fold-shape-ops: Shape/Size of statically known shapes, and Gathers of known dims, become constants.
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { benchmarkModel, compareOnOff, modelTest, randTensor } from './helpers.js';

const PASS = 'fold-shape-ops';
const ATTENTION = 'fuse-attention';

/** y = Reshape(x, [dim0 of x, -1]) * Size(x), computed from Shape/Size as exporters write it. */
function model(shape: (number | string)[]): Uint8Array {
  return new ModelBuilder({ opset: 13 })
    .input('x', 'float32', shape)
    .initializer('zero', [0n], [1])
    .initializer('two', [2n], [])
    .initializer('rest', [-1n], [1])
    .node('Shape', ['x'], ['s'])
    .node('Gather', ['s', 'zero'], ['d0'])
    .node('Gather', ['s', 'two'], ['d2'])
    .node('Concat', ['d0', 'rest'], ['target'], { axis: 0 })
    .node('Reshape', ['x', 'target'], ['r'])
    .node('Size', ['x'], ['n'])
    .node('Cast', ['n'], ['nf'], { to: 1 })
    .node('Cast', ['d2'], ['d2f'], { to: 1 })
    .node('Mul', ['r', 'nf'], ['rn'])
    .node('Mul', ['rn', 'd2f'], ['y'])
    .output('y', 'float32', [shape[0], null])
    .toBytes();
}

test('a static shape: Shape, Size and everything computed from them fold away', async (t) => {
  const { on, off } = await compareOnOff(t, model([2, 3, 4]), [PASS], { x: randTensor('x', [2, 3, 4]) });
  t.deepEqual(on, { Reshape: 1, Mul: 2 });
  t.like(off, { Shape: 1, Size: 1, Gather: 2 });
});

test('a symbolic batch: the Gather of a known dim folds, the batch dim stays computed', async (t) => {
  const { on, off } = await compareOnOff(t, model(['batch', 3, 4]), [PASS], {
    x: randTensor('x', [2, 3, 4]),
  });
  t.like(on, { Shape: 1, Gather: 1, Size: 1 });
  t.like(off, { Shape: 1, Gather: 2, Size: 1 });
});

modelTest('bert_small with batch and sequence fixed: all shape arithmetic folds', async (t) => {
  const { path, feeds } = benchmarkModel('bert_small');
  // Attention fusion swallows the attention block's shape arithmetic; keep it off to see this pass alone.
  const options = { freeDimensionOverrides: { batch: 1, sequence: 128 }, disabledOptimizers: [ATTENTION] };
  const { on, off } = await compareOnOff(t, path, [PASS], feeds, options);
  t.true(off.Shape > 0);
  t.is(on.Shape ?? 0, 0);
  t.true((on.Concat ?? 0) < off.Concat, `Concat: ${on.Concat} < ${off.Concat}`);
});

modelTest('bert_small with symbolic dims: Gathers of the hidden size fold', async (t) => {
  const { path, feeds } = benchmarkModel('bert_small');
  const { on, off } = await compareOnOff(t, path, [PASS], feeds, { disabledOptimizers: [ATTENTION] });
  t.true(on.Gather < off.Gather, `Gather: ${on.Gather} < ${off.Gather}`);
});
