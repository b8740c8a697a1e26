// fuse-gelu: x * 0.5 * (1 + erf(x / sqrt 2)) in its common spellings -> Gelu (ai.onnx from opset 20,
// com.microsoft below); fuse-bias-gelu: Gelu(A + bias) -> com.microsoft BiasGelu.
import test from 'ava';
import { attr, ModelBuilder } from '../../engine/index.js';
import { benchmarkModel, compareOnOff, modelTest, randn, randTensor } from './helpers.js';

const SHAPE = [2, 5, 16];
type Spelling = (mb: ModelBuilder) => void;

// Each writes y from x; the constants are the ones exporters write.
const SPELLINGS: [string, Spelling][] = [
  [
    '(x * 0.5) * (1 + erf(x / sqrt2))',
    (mb) =>
      mb
        .node('Div', ['x', 'sqrt2'], ['d'])
        .node('Erf', ['d'], ['e'])
        .node('Add', ['e', 'one'], ['p'])
        .node('Mul', ['x', 'half'], ['h'])
        .node('Mul', ['h', 'p'], ['y']),
  ],
  [
    '(x * (1 + erf(x * 1/sqrt2))) * 0.5',
    (mb) =>
      mb
        .node('Mul', ['x', 'rsqrt2'], ['d'])
        .node('Erf', ['d'], ['e'])
        .node('Add', ['one', 'e'], ['p'])
        .node('Mul', ['x', 'p'], ['m'])
        .node('Mul', ['m', 'half'], ['y']),
  ],
  [
    'x * ((1 + erf(x / sqrt2)) * 0.5)',
    (mb) =>
      mb
        .node('Div', ['x', 'sqrt2'], ['d'])
        .node('Erf', ['d'], ['e'])
        .node('Add', ['e', 'one'], ['p'])
        .node('Mul', ['p', 'half'], ['m'])
        .node('Mul', ['x', 'm'], ['y']),
  ],
];

function geluModel(spelling: Spelling, opset: number, bias = false): Uint8Array {
  const mb = new ModelBuilder({ opset })
    .input(bias ? 'a' : 'x', 'float32', SHAPE)
    .initializer('sqrt2', [Math.SQRT2], [])
    .initializer('rsqrt2', [Math.SQRT1_2], [])
    .initializer('one', [1], [])
    .initializer('half', [0.5], []);
  if (bias) mb.initializer('bias', Array.from(randn('bias', [16])), [16]).node('Add', ['bias', 'a'], ['x']);
  spelling(mb);
  return mb.output('y', 'float32', SHAPE).toBytes();
}

const feeds = { x: randTensor('x', SHAPE, 2) };

for (const [name, spelling] of SPELLINGS) {
  test(`${name} -> com.microsoft Gelu at opset 14`, async (t) => {
    const { on, off } = await compareOnOff(t, geluModel(spelling, 14), ['fuse-gelu'], feeds);
    t.deepEqual(on, { 'com.microsoft.Gelu': 1 });
    t.is(off.Erf, 1);
  });
}

test('opset 20 gets ai.onnx Gelu', async (t) => {
  const { on } = await compareOnOff(t, geluModel(SPELLINGS[0][1], 20), ['fuse-gelu'], feeds);
  t.deepEqual(on, { Gelu: 1 });
});

test('a constant other than 1/sqrt2 is not a GELU', async (t) => {
  const model = new ModelBuilder({ opset: 14 })
    .input('x', 'float32', SHAPE)
    .initializer('c', [0.8], [])
    .initializer('one', [1], [])
    .initializer('half', [0.5], [])
    .node('Mul', ['x', 'c'], ['d'])
    .node('Erf', ['d'], ['e'])
    .node('Add', ['e', 'one'], ['p'])
    .node('Mul', ['x', 'half'], ['h'])
    .node('Mul', ['h', 'p'], ['y'])
    .output('y', 'float32', SHAPE)
    .toBytes();
  const { on } = await compareOnOff(t, model, ['fuse-gelu'], feeds);
  t.is(on.Erf, 1);
});

test('Gelu(A + bias) -> com.microsoft BiasGelu, from com.microsoft Gelu and from ai.onnx Gelu-20', async (t) => {
  const a = { a: randTensor('a', SHAPE, 2) };
  for (const opset of [14, 20]) {
    const { on, off } = await compareOnOff(t, geluModel(SPELLINGS[1][1], opset, true), ['fuse-bias-gelu'], a);
    t.deepEqual(on, { 'com.microsoft.BiasGelu': 1 });
    t.deepEqual(off, { Add: 1, [opset >= 20 ? 'Gelu' : 'com.microsoft.Gelu']: 1 });
  }
  const tanh = new ModelBuilder({ opset: 20 })
    .input('a', 'float32', SHAPE)
    .initializer('bias', Array.from(randn('bias', [16])), [16])
    .node('Add', ['a', 'bias'], ['x'])
    .node('Gelu', ['x'], ['y'], { approximate: attr.string('tanh') })
    .output('y', 'float32', SHAPE)
    .toBytes();
  const { on } = await compareOnOff(t, tanh, ['fuse-bias-gelu'], a);
  t.deepEqual(on, { Add: 1, Gelu: 1 }, 'the tanh approximation is not BiasGelu');
});

modelTest('bert_small: the four Erf GELUs become Gelu, then BiasGelu with the fc1 bias', async (t) => {
  const { path, feeds: f } = benchmarkModel('bert_small');
  const gelu = await compareOnOff(t, path, ['fuse-gelu'], f);
  t.is(gelu.off.Erf, 4);
  t.is(gelu.on.Erf ?? 0, 0);
  t.is(gelu.on['com.microsoft.BiasGelu'], 4);
  const bias = await compareOnOff(t, path, ['fuse-bias-gelu'], f);
  t.is(bias.off['com.microsoft.Gelu'], 4);
  t.is(bias.on['com.microsoft.BiasGelu'], 4);
  t.is(bias.off.Add - bias.on.Add, 4);
});
