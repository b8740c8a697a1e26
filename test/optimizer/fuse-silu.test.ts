// fuse-silu: x * Sigmoid(x) -> com.microsoft QuickGelu(alpha 1).
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { benchmarkModel, compareOnOff, modelTest, randTensor } from './helpers.js';

const PASS = 'fuse-silu';
const S = [2, 8, 5];

test('x * Sigmoid(x) in either operand order -> QuickGelu; x * Sigmoid(z) is left alone', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', S)
    .input('z', 'float32', S)
    .node('Sigmoid', ['x'], ['sx'])
    .node('Mul', ['x', 'sx'], ['a'])
    .node('Sigmoid', ['a'], ['sa'])
    .node('Mul', ['sa', 'a'], ['b'])
    .node('Sigmoid', ['z'], ['sz'])
    .node('Mul', ['b', 'sz'], ['y'])
    .output('y', 'float32', S)
    .toBytes();
  const { on, off } = await compareOnOff(t, model, [PASS], {
    x: randTensor('x', S, 3),
    z: randTensor('z', S),
  });
  t.deepEqual(on, { 'com.microsoft.QuickGelu': 2, Sigmoid: 1, Mul: 1 });
  t.deepEqual(off, { Sigmoid: 3, Mul: 3 });
});

modelTest('efficientnet_b0: the SiLU activations become QuickGelu', async (t) => {
  const { path, feeds } = benchmarkModel('efficientnet_b0');
  // Without nhwc-layout: its channels-last convolutions take the QuickGelu into the conv (fuse-conv-activation).
  const { on, off } = await compareOnOff(t, path, [PASS], feeds, { disabledOptimizers: ['nhwc-layout'] });
  t.is(on['com.microsoft.QuickGelu'], 49);
  t.is(off.Sigmoid - (on.Sigmoid ?? 0), 49);
});
