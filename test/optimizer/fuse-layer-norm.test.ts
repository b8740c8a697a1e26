// fuse-layer-norm: the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add LayerNorm -> LayerNormalization;
// fuse-skip-layer-norm: LayerNormalization of a residual sum (+ Linear bias) -> SkipLayerNormalization.
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { benchmarkModel, compareOnOff, modelTest, randn, randTensor } from './helpers.js';

const SHAPE = [2, 5, 16];

/** LayerNorm of `x` over `axes` into `y`, written out as exporters do (opset < 18: axes attribute). */
function decomposed(mb: ModelBuilder, x: string, y: string, axes = [-1], opset = 14): ModelBuilder {
  const reduce = (input: string, output: string) =>
    opset >= 18
      ? mb.node('ReduceMean', [input, 'axes'], [output])
      : mb.node('ReduceMean', [input], [output], { axes });
  if (opset >= 18) mb.initializer('axes', axes.map(BigInt), [axes.length]);
  reduce(x, 'mean');
  mb.node('Sub', [x, 'mean'], ['d']).node('Pow', ['d', 'two'], ['sq']);
  reduce('sq', 'var');
  return mb
    .node('Add', ['var', 'eps'], ['ve'])
    .node('Sqrt', ['ve'], ['std'])
    .node('Div', ['d', 'std'], ['n'])
    .node('Mul', ['n', 'gamma'], ['g'])
    .node('Add', ['beta', 'g'], [y]);
}

function lnModel(opset: number, axes = [-1]): Uint8Array {
  // gamma/beta span the dims from the first normalized one; the others are broadcast (1).
  const at = axes.map((a) => (a < 0 ? a + SHAPE.length : a));
  const norm = SHAPE.slice(Math.min(...at)).map((d, i) => (at.includes(i + Math.min(...at)) ? d : 1));
  const mb = new ModelBuilder({ opset })
    .input('x', 'float32', SHAPE)
    .initializer('two', [2], [])
    .initializer('eps', [1e-5], [])
    .initializer('gamma', Array.from(randn('gamma', norm)), norm)
    .initializer('beta', Array.from(randn('beta', norm)), norm);
  return decomposed(mb, 'x', 'y', axes, opset).output('y', 'float32', SHAPE).toBytes();
}

const feeds = { x: randTensor('x', SHAPE, 3) };

for (const opset of [14, 17, 18]) {
  test(`decomposed LayerNorm -> ai.onnx LayerNormalization at opset ${opset}`, async (t) => {
    const { on, off } = await compareOnOff(t, lnModel(opset), ['fuse-layer-norm'], feeds);
    t.deepEqual(on, { LayerNormalization: 1 });
    t.is(off.ReduceMean, 2);
  });
}

test('over the last two axes -> LayerNormalization with axis -2', async (t) => {
  const { on } = await compareOnOff(t, lnModel(17, [-2, -1]), ['fuse-layer-norm'], feeds);
  t.deepEqual(on, { LayerNormalization: 1 });
});

test('over a leading axis it is not a LayerNormalization', async (t) => {
  const { on } = await compareOnOff(t, lnModel(17, [1]), ['fuse-layer-norm'], feeds);
  t.is(on.ReduceMean, 2);
});

/** y = LN(x + (m @ w + bias)), with the sum also an output when `exposeSum`. */
function skipModel(exposeSum: boolean): Uint8Array {
  const mb = new ModelBuilder({ opset: 14 })
    .input('x', 'float32', SHAPE)
    .input('m', 'float32', SHAPE)
    .initializer('w', Array.from(randn('w', [16, 16], 0.3)), [16, 16])
    .initializer('bias', Array.from(randn('bias', [16])), [16])
    .initializer('two', [2], [])
    .initializer('eps', [1e-5], [])
    .initializer('gamma', Array.from(randn('gamma', [16])), [16])
    .initializer('beta', Array.from(randn('beta', [16])), [16])
    .node('MatMul', ['m', 'w'], ['mw'])
    .node('Add', ['bias', 'mw'], ['linear'])
    .node('Add', ['x', 'linear'], ['sum']);
  decomposed(mb, 'sum', 'y').output('y', 'float32', SHAPE);
  if (exposeSum) mb.output('sum', 'float32', SHAPE);
  return mb.toBytes();
}

for (const exposeSum of [false, true]) {
  test(`LayerNorm(x + Linear(m)) -> SkipLayerNormalization with the bias${exposeSum ? ', sum as output 3' : ''}`, async (t) => {
    const skipFeeds = { x: feeds.x, m: randTensor('m', SHAPE) };
    const { on, off } = await compareOnOff(t, skipModel(exposeSum), ['fuse-skip-layer-norm'], skipFeeds);
    t.deepEqual(on, { MatMul: 1, 'com.microsoft.SkipLayerNormalization': 1 });
    t.deepEqual(off, { MatMul: 1, Add: 2, LayerNormalization: 1 });
  });
}

modelTest(
  'bert_small: 9 decomposed LayerNorms -> LayerNormalization -> SkipLayerNormalization',
  async (t) => {
    const { path, feeds: f } = benchmarkModel('bert_small');
    // Attention fusion (tested on its own) moves the hidden states by ~1e-6 either way; keep it out of both.
    const ln = await compareOnOff(t, path, ['fuse-layer-norm'], f, {
      disabledOptimizers: ['fuse-attention'],
    });
    t.is(ln.off.ReduceMean, 18);
    t.is(ln.on.ReduceMean ?? 0, 0);
    t.is(ln.on['com.microsoft.SkipLayerNormalization'], 9);
    const skip = await compareOnOff(t, path, ['fuse-skip-layer-norm'], f, {
      disabledOptimizers: ['fuse-attention'],
    });
    t.is(skip.off.LayerNormalization, 9);
    t.is(skip.on.LayerNormalization ?? 0, 0);
    // Each residual Add goes, and so does the bias Add of the 8 attention/FFN output projections.
    t.is(skip.off.Add - skip.on.Add, 9 + 8);
  },
);
