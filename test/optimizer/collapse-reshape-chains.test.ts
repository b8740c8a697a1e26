// collapse-reshape-chains: Reshape/Squeeze/Unsqueeze/Flatten chains become one node.
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { benchmarkModel, compareOnOff, modelTest, randTensor } from './helpers.js';

const PASS = 'collapse-reshape-chains';
const x = randTensor('x', [2, 3, 4]);

test('Unsqueeze of Unsqueeze merges axes (opset 13 inputs and opset 11 attributes, symbolic batch)', async (t) => {
  for (const opset of [11, 13]) {
    const mb = new ModelBuilder({ opset }).input('x', 'float32', ['batch', 3, 4]);
    if (opset >= 13) {
      mb.initializer('a1', [1n, -1n], [2]).initializer('a2', [0n, 3n], [2]);
      mb.node('Unsqueeze', ['x', 'a1'], ['u1']).node('Unsqueeze', ['u1', 'a2'], ['y']);
    } else {
      mb.node('Unsqueeze', ['x'], ['u1'], { axes: [1, -1] }).node('Unsqueeze', ['u1'], ['y'], {
        axes: [0, 3],
      });
    }
    const model = mb.output('y', 'float32', [1, 'batch', 1, 1, 3, 4, 1]).toBytes();
    const { on, off, outputs } = await compareOnOff(t, model, [PASS], { x });
    t.deepEqual(on, { Unsqueeze: 1 });
    t.deepEqual(off, { Unsqueeze: 2 });
    t.deepEqual(outputs.y.dims, [1, 2, 1, 1, 3, 4, 1]);
  }
});

test('Reshape of Reshape reads the source; Squeeze of Flatten of Unsqueeze becomes one Reshape', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', [2, 3, 4])
    .initializer('s1', [6n, 4n], [2])
    .initializer('s2', [4n, -1n], [2])
    .initializer('ax', [0n], [1])
    .node('Reshape', ['x', 's1'], ['r1'])
    .node('Reshape', ['r1', 's2'], ['y1'])
    .node('Unsqueeze', ['x', 'ax'], ['u'])
    .node('Flatten', ['u'], ['f'], { axis: 0 })
    .node('Squeeze', ['f', 'ax'], ['y2'])
    .output('y1', 'float32', [4, 6])
    .output('y2', 'float32', [24])
    .toBytes();
  const { on, off } = await compareOnOff(t, model, [PASS], { x });
  t.deepEqual(on, { Reshape: 2 });
  t.deepEqual(off, { Reshape: 2, Unsqueeze: 1, Flatten: 1, Squeeze: 1 });
});

test('a Reshape target with 0 (copy a dim) over a dynamic shape is left alone', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', ['n', 3, 4])
    .initializer('s1', [0n, 12n], [2])
    .initializer('s2', [0n, 3n, 4n], [3])
    .node('Reshape', ['x', 's1'], ['r1'])
    .node('Reshape', ['r1', 's2'], ['y'])
    .output('y', 'float32', ['n', 3, 4])
    .toBytes();
  const { on } = await compareOnOff(t, model, [PASS], { x });
  t.deepEqual(on, { Reshape: 2 });
});

modelTest('bert_small: the attention mask Unsqueeze(Unsqueeze) becomes one', async (t) => {
  const { path, feeds } = benchmarkModel('bert_small');
  const { on, off } = await compareOnOff(t, path, [PASS], feeds);
  t.is(off.Unsqueeze - on.Unsqueeze, 1);
});

test('a three-long chain with a branch collapses over two rounds without reading a removed value', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', [2, 3, 4])
    .initializer('s1', [6n, 4n], [2])
    .initializer('s2', [24n], [1])
    .initializer('s3', [4n, 6n], [2])
    .node('Reshape', ['x', 's1'], ['r1'])
    .node('Reshape', ['r1', 's2'], ['r2'])
    .node('Reshape', ['r2', 's3'], ['r3'])
    .output('r2', 'float32', [24])
    .output('r3', 'float32', [4, 6])
    .toBytes();
  const { on, off } = await compareOnOff(t, model, [PASS], { x });
  t.deepEqual(on, { Reshape: 2 });
  t.deepEqual(off, { Reshape: 3 });
});
