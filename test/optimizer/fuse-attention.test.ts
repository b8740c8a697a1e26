// fuse-attention: multi-head attention written out (projections, head split, scaled scores, mask, softmax,
// head merge) -> one com.microsoft MultiHeadAttention, outputs unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as ort from 'onnxruntime-node';
import { attr, InferenceSession, ModelBuilder, Tensor } from '../../engine/index.js';
import { allclose, scaledTolerance } from '../helpers/allclose.js';
import { benchmarkModel, compareOnOff, modelTest, randn, randTensor } from './helpers.js';

const PASS = 'fuse-attention';
const [B, S, L, N, H] = [2, 5, 7, 2, 8];
const HIDDEN = N * H;

interface Options {
  bias?: boolean;
  mask?: 'padding' | 'full' | 'none';
  scale?: 'div' | 'mul' | 'none';
  cross?: boolean; // keys and values from a second input with another length
}

function attentionModel(o: Options = {}): Uint8Array {
  const { bias = true, mask = 'padding', scale = 'div', cross = false } = o;
  const kvLen = cross ? L : S;
  const mb = new ModelBuilder({ opset: 14 }).input('x', 'float32', [B, S, HIDDEN]);
  if (cross) mb.input('mem', 'float32', [B, L, HIDDEN]);
  if (mask === 'padding') mb.input('m', 'float32', [B, 1, 1, kvLen]);
  if (mask === 'full') mb.input('m', 'float32', [B, N, S, kvLen]);
  mb.initializer('split', [0, 0, N, H], [4], 'int64').initializer('merge', [0, 0, HIDDEN], [3], 'int64');
  for (const p of ['q', 'k', 'v']) {
    const src = cross && p !== 'q' ? 'mem' : 'x';
    mb.initializer(`w${p}`, Array.from(randn(`w${p}`, [HIDDEN, HIDDEN], 0.3)), [HIDDEN, HIDDEN]);
    mb.node('MatMul', [src, `w${p}`], [`${p}m`]);
    if (bias) {
      mb.initializer(`b${p}`, Array.from(randn(`b${p}`, [HIDDEN], 0.1)), [HIDDEN]);
      mb.node('Add', [`b${p}`, `${p}m`], [`${p}p`]);
    }
    mb.node('Reshape', [bias ? `${p}p` : `${p}m`, 'split'], [`${p}r`]);
  }
  mb.node('Transpose', ['qr'], ['qt'], { perm: attr.ints([0, 2, 1, 3]) })
    .node('Transpose', ['kr'], ['kt'], { perm: attr.ints([0, 2, 3, 1]) })
    .node('Transpose', ['vr'], ['vt'], { perm: attr.ints([0, 2, 1, 3]) })
    .node('MatMul', ['qt', 'kt'], ['s0']);
  let scores = 's0';
  if (scale !== 'none') {
    mb.initializer('c', [scale === 'div' ? Math.sqrt(H) : 1 / Math.sqrt(H)], []);
    mb.node(scale === 'div' ? 'Div' : 'Mul', scale === 'div' ? ['s0', 'c'] : ['c', 's0'], ['s1']);
    scores = 's1';
  }
  if (mask !== 'none') {
    mb.node('Add', [scores, 'm'], ['s2']);
    scores = 's2';
  }
  return mb
    .node('Softmax', [scores], ['p'], { axis: attr.int(-1) })
    .node('MatMul', ['p', 'vt'], ['o'])
    .node('Transpose', ['o'], ['ot'], { perm: attr.ints([0, 2, 1, 3]) })
    .node('Reshape', ['ot', 'merge'], ['y'])
    .output('y', 'float32', [B, S, HIDDEN])
    .toBytes();
}

function feedsFor(o: Options = {}) {
  const kvLen = o.cross ? L : S;
  const feeds = { x: randTensor('x', [B, S, HIDDEN]) } as Record<string, ReturnType<typeof randTensor>>;
  if (o.cross) feeds.mem = randTensor('mem', [B, L, HIDDEN]);
  if (o.mask === undefined || o.mask === 'padding') {
    const m = randTensor('m', [B, 1, 1, kvLen]);
    const d = m.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = d[i] > 0.8 ? -10000 : 0; // some keys masked out
    feeds.m = m;
  }
  if (o.mask === 'full') feeds.m = randTensor('m', [B, N, S, kvLen]);
  return feeds;
}

const CASES: [string, Options][] = [
  ['biased projections, padding mask, Div scale', {}],
  ['no biases, no mask, no scale', { bias: false, mask: 'none', scale: 'none' }],
  ['a per-head mask and a Mul scale (constant first)', { mask: 'full', scale: 'mul' }],
  ['cross attention (keys and values of another length)', { cross: true }],
];

for (const [name, o] of CASES) {
  test(`${name} -> MultiHeadAttention`, async (t) => {
    const { on, off } = await compareOnOff(t, attentionModel(o), [PASS], feedsFor(o));
    const bias = o.bias ?? true;
    // A [B, 1, 1, T] mask is expanded over the queries (onnxruntime's attention_bias spells that dim out);
    // with static shapes the target shape folds to a constant.
    const expand = (o.mask ?? 'padding') === 'padding' ? { Expand: 1 } : {};
    t.deepEqual(on, { MatMul: 3, 'com.microsoft.MultiHeadAttention': 1, ...expand }, JSON.stringify(on));
    t.is(off.Softmax, 1);
    t.is(off.Add ?? 0, (bias ? 3 : 0) + ((o.mask ?? 'padding') === 'none' ? 0 : 1));
  });
}

test('a Softmax over another axis stays as it is', async (t) => {
  const mb = new ModelBuilder({ opset: 14 })
    .input('s', 'float32', [B, N, S, S])
    .input('v', 'float32', [B, N, S, H])
    .node('Softmax', ['s'], ['p'], { axis: attr.int(2) })
    .node('MatMul', ['p', 'v'], ['y'])
    .output('y', 'float32', [B, N, S, H]);
  const { on } = await compareOnOff(t, mb.toBytes(), [PASS], {
    s: randTensor('s', [B, N, S, S]),
    v: randTensor('v', [B, N, S, H]),
  });
  t.deepEqual(on, { Softmax: 1, MatMul: 1 });
});

modelTest('bert_small: every layer attention becomes MultiHeadAttention, outputs unchanged', async (t) => {
  const { path, feeds } = benchmarkModel('bert_small');
  const { on, off } = await compareOnOff(t, path, [PASS], feeds);
  t.is(on['com.microsoft.MultiHeadAttention'], 4, JSON.stringify(on));
  t.is(on.Softmax ?? 0, 0);
  t.is(off.MatMul - on.MatMul, 8, 'the two attention products per layer are gone');
  t.is(on.Transpose ?? 0, 0);
});

test('the saved optimized model runs in onnxruntime-node with the same outputs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'onnxfleet-attention-'));
  try {
    for (const [name, o] of CASES) {
      const saved = join(dir, 'attention.onnx');
      const ours = await InferenceSession.create(attentionModel(o), { optimizedModelFilePath: saved });
      const feeds = feedsFor(o);
      const theirs = await ort.InferenceSession.create(saved);
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds))
        ortFeeds[k] = new ort.Tensor('float32', (v.data as Float32Array).slice(), v.dims);
      const [mine, ref] = [await ours.run(feeds), await theirs.run(ortFeeds)];
      const report = allclose(mine.y as Tensor, ref.y, scaledTolerance(ref.y, { rtol: 1e-4, atol: 1e-5 }));
      t.is(report.failure, undefined, name);
      await Promise.all([ours.release(), theirs.release()]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
