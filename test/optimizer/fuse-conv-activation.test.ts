// fuse-conv-activation: Conv (+ same-shaped Add) (+ activation) -> com.microsoft FusedConv, outputs unchanged.
import test from 'ava';
import { attr, ModelBuilder } from '../../engine/index.js';
import { benchmarkModel, compareOnOff, modelTest, randn, randTensor } from './helpers.js';

const PASS = 'fuse-conv-activation';
const X = [1, 4, 8, 8];

/** x -> Conv(3x3, pad 1) -> `tail` -> y; `tail` adds the nodes after the conv (its output is 'c'). */
function convModel(tail: (mb: ModelBuilder) => void, opset = 13): Uint8Array {
  const mb = new ModelBuilder({ opset })
    .input('x', 'float32', X)
    .input('r', 'float32', X)
    .initializer('w', Array.from(randn('w', [4, 4, 3, 3], 0.3)), [4, 4, 3, 3])
    .initializer('b', Array.from(randn('b', [4])), [4])
    .node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] });
  tail(mb);
  return mb.output('y', 'float32', X).toBytes();
}

const feeds = { x: randTensor('x', X), r: randTensor('r', X) };

const CASES: [string, (mb: ModelBuilder) => void][] = [
  ['Relu', (mb) => mb.node('Relu', ['c'], ['y'])],
  ['Add + Relu (residual)', (mb) => mb.node('Add', ['c', 'r'], ['s']).node('Relu', ['s'], ['y'])],
  ['Add (residual first operand)', (mb) => mb.node('Add', ['r', 'c'], ['y'])],
  ['LeakyRelu', (mb) => mb.node('LeakyRelu', ['c'], ['y'], { alpha: attr.float(0.2) })],
  ['Sigmoid', (mb) => mb.node('Sigmoid', ['c'], ['y'])],
  ['Tanh', (mb) => mb.node('Tanh', ['c'], ['y'])],
  [
    'HardSigmoid',
    (mb) => mb.node('HardSigmoid', ['c'], ['y'], { alpha: attr.float(0.3), beta: attr.float(0.4) }),
  ],
  [
    'Clip with constant bounds (ReLU6)',
    (mb) => mb.initializer('lo', [0], []).initializer('hi', [6], []).node('Clip', ['c', 'lo', 'hi'], ['y']),
  ],
];

for (const [name, tail] of CASES) {
  test(`Conv + ${name} -> FusedConv`, async (t) => {
    const { on, off } = await compareOnOff(t, convModel(tail), [PASS], feeds);
    t.is(on['com.microsoft.FusedConv'], 1);
    t.is(on.Conv ?? 0, 0);
    t.is(off.Conv, 1);
    t.is(Object.keys(on).length, 1, `only FusedConv remains: ${JSON.stringify(on)}`);
  });
}

test('Clip bounds as attributes (opset < 11) become activation_params', async (t) => {
  const model = convModel(
    (mb) => mb.node('Clip', ['c'], ['y'], { min: attr.float(-1), max: attr.float(1) }),
    9,
  );
  const { on } = await compareOnOff(t, model, [PASS], feeds);
  t.deepEqual(on, { 'com.microsoft.FusedConv': 1 });
});

test('a broadcasting Add and a Clip with a fed bound are not fused', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', X)
    .input('lo', 'float32', [])
    .initializer('w', Array.from(randn('w', [4, 4, 3, 3], 0.3)), [4, 4, 3, 3])
    .initializer('z', Array.from(randn('z', [4])), [1, 4, 1, 1])
    .node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] })
    .node('Add', ['c', 'z'], ['s'])
    .node('Clip', ['s', 'lo'], ['y'])
    .output('y', 'float32', X)
    .toBytes();
  const lo = randTensor('lo', []);
  const { on } = await compareOnOff(t, model, [PASS], { x: feeds.x, lo });
  t.deepEqual(on, { Conv: 1, Add: 1, Clip: 1 });
});

test('a Conv whose output is also read elsewhere keeps its activation separate', async (t) => {
  const model = convModel((mb) => mb.node('Relu', ['c'], ['a']).node('Add', ['a', 'c'], ['y']));
  const { on } = await compareOnOff(t, model, [PASS], feeds);
  t.is(on.Relu, 1);
});

const REAL: [string, string][] = [
  ['resnet18', 'Relu'],
  ['mobilenet_v2', 'Clip'],
  ['squeezenet1_1', 'Relu'],
  ['efficientnet_b0', 'Sigmoid'],
];
for (const [name, act] of REAL) {
  modelTest(`${name}: Conv + activation/residual -> FusedConv, outputs unchanged`, async (t) => {
    const { path, feeds: f } = benchmarkModel(name);
    // Channels-last rewriting (nhwc-layout, tested on its own) would rename every Conv: count before it.
    const { on, off } = await compareOnOff(t, path, [PASS], f, { disabledOptimizers: ['nhwc-layout'] });
    t.true(on['com.microsoft.FusedConv'] > 0, JSON.stringify(on));
    t.is((on.Conv ?? 0) + on['com.microsoft.FusedConv'], off.Conv, 'every Conv is still there, fused or not');
    t.true((on[act] ?? 0) < off[act], `${act}: ${on[act]} < ${off[act]}`);
  });
}
