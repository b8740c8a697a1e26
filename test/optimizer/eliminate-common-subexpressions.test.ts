// eliminate-common-subexpressions: equal constants are shared and equal nodes computed once.
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { decodeModel } from '../../engine/onnx/decode.js';
import { normalizeModel } from '../../engine/normalize/normalize.js';
import { eliminateCommonSubexpressions } from '../../engine/optimizer/passes/eliminate-common-subexpressions.js';
import { opCounts } from '../../engine/optimizer/print.js';
import { benchmarkModel, compareOnOff, modelTest, randTensor } from './helpers.js';

const PASS = 'eliminate-common-subexpressions';
const S = [3, 8];

test('duplicated chains over equal constants collapse to one', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', S)
    .initializer('c1', [2], [])
    .initializer('c2', [2], [])
    .node('Mul', ['x', 'c1'], ['m1'])
    .node('Mul', ['x', 'c2'], ['m2'])
    .node('Relu', ['m1'], ['r1'])
    .node('Relu', ['m2'], ['r2'])
    .node('Sub', ['r1', 'r2'], ['y'])
    .output('y', 'float32', S)
    .output('r2', 'float32', S)
    .toBytes();
  const { on, off } = await compareOnOff(t, model, [PASS], { x: randTensor('x', S) });
  t.deepEqual(off, { Mul: 2, Relu: 2, Sub: 1 });
  // r2 is a graph output, so its Relu stays; both Relus now read the one Mul.
  t.deepEqual(on, { Mul: 1, Relu: 2, Sub: 1 });
});

test('nodes with different attributes or random ops are not merged', (t) => {
  const bytes = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', S)
    .node('Softmax', ['x'], ['a'], { axis: 0 })
    .node('Softmax', ['x'], ['b'], { axis: 1 })
    .node('RandomNormalLike', ['x'], ['n1'])
    .node('RandomNormalLike', ['x'], ['n2'])
    .node('Sum', ['a', 'b', 'n1', 'n2'], ['y'])
    .output('y', 'float32', S)
    .toBytes();
  const model = normalizeModel(decodeModel(bytes), { what: 'test' });
  t.false(eliminateCommonSubexpressions.run(model, { what: 'test' }));
  t.deepEqual(opCounts(model.graph), { Softmax: 2, RandomNormalLike: 2, Sum: 1 });
});

modelTest(
  'bert_small: Shapes of the same value (q/k/v and the merge reshape) are computed once',
  async (t) => {
    const { path, feeds } = benchmarkModel('bert_small');
    const { on, off } = await compareOnOff(t, path, [PASS], feeds);
    t.true(on.Shape < off.Shape, `Shape: ${on.Shape} < ${off.Shape}`);
  },
);
