// The com.microsoft operators that onnxruntime's transformer optimizer writes: each test builds a small model
// around one op (realistic shapes: batch 2, sequence 16, hidden 64, 4 heads), runs it in our engine and in
// onnxruntime-node on the same seeded random inputs, and requires every output to agree within
// rtol 1e-4 / atol 1e-5.
import test, { type ExecutionContext } from 'ava';
import * as ort from 'onnxruntime-node';
import { attr, InferenceSession, ModelBuilder, Tensor } from '../../engine/index.js';
import { allclose } from '../helpers/allclose.js';
import { mulberry32, normal, seedOf } from '../helpers/prng.js';

const TOL = { rtol: 1e-4, atol: 1e-5 };
const MS = { domain: 'com.microsoft' };

type Data = Float32Array | Int32Array | BigInt64Array | Uint8Array;
type FeedType = 'float32' | 'int32' | 'int64' | 'uint8';
interface Feed {
  type: FeedType;
  data: Data;
  dims: number[];
}

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Seeded standard-normal floats times `scale`, one stream per name. */
function randn(name: string, dims: number[], scale = 1): Feed {
  const rand = mulberry32(seedOf(name));
  const data = new Float32Array(count(dims));
  for (let i = 0; i < data.length; i++) data[i] = normal(rand) * scale;
  return { type: 'float32', data, dims };
}

/** Seeded bytes (random quantized weights). */
function randBytes(name: string, dims: number[]): Feed {
  const rand = mulberry32(seedOf(name));
  const data = new Uint8Array(count(dims));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  return { type: 'uint8', data, dims };
}

function int32(values: number[], dims: number[]): Feed {
  return { type: 'int32', data: Int32Array.from(values), dims };
}

function int64(values: number[], dims: number[]): Feed {
  return { type: 'int64', data: BigInt64Array.from(values.map(BigInt)), dims };
}

function builder(opset = 17): ModelBuilder {
  return new ModelBuilder({ opset }).opsetImport('com.microsoft', 1);
}

/** Declares feeds as graph inputs (or initializers when listed in `constants`). */
function declare(mb: ModelBuilder, feeds: Record<string, Feed>, constants: string[] = []): void {
  for (const [name, f] of Object.entries(feeds)) {
    if (constants.includes(name)) mb.initializer(name, new Tensor(f.type, f.data, f.dims));
    else mb.input(name, f.type, f.dims);
  }
}

/** Runs the model in both runtimes and compares the named outputs. */
async function compare(
  t: ExecutionContext,
  mb: ModelBuilder,
  feeds: Record<string, Feed>,
  outputs: string[],
  constants: string[] = [],
): Promise<void> {
  const bytes = mb.toBytes();
  const ref = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const ours = await InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const ortFeeds: Record<string, ort.Tensor> = {};
  const ourFeeds: Record<string, Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) {
    if (constants.includes(name)) continue;
    ortFeeds[name] = new ort.Tensor(f.type, f.data.slice(), f.dims);
    ourFeeds[name] = new Tensor(f.type, f.data.slice(), f.dims);
  }
  const want = await ref.run(ortFeeds);
  const got = await ours.run(ourFeeds);
  for (const name of outputs) {
    const actual = got[name];
    if (!(actual instanceof Tensor)) {
      t.fail(`output '${name}': engine returned ${String(actual)}`);
      continue;
    }
    // Guard against a vacuous comparison: the reference output must carry signal.
    const ref = want[name].data as Float32Array;
    t.true(
      ref.some((x) => Math.abs(x) > 1e-3),
      `output '${name}' of onnxruntime is all (near) zero`,
    );
    const r = allclose(actual, want[name], TOL);
    t.log(
      `${name} [${actual.dims.join(', ')}]: max abs diff ${r.maxAbsDiff.toExponential(2)}, first ${ref[0]}`,
    );
    if (r.failure) t.fail(`output '${name}': ${r.failure}`);
    else t.pass();
  }
}

const B = 2;
const S = 16;
const D = 64;
const N = 4;
const H = D / N;

test('Gelu matches onnxruntime', async (t) => {
  const feeds = { x: randn('gelu.x', [B, S, D], 2) };
  const mb = builder();
  declare(mb, feeds);
  mb.output('y', 'float32', [B, S, D]).node('Gelu', ['x'], ['y'], {}, MS);
  await compare(t, mb, feeds, ['y']);
});

test('FastGelu matches onnxruntime', async (t) => {
  const feeds = { x: randn('fastgelu.x', [B, S, D], 2), bias: randn('fastgelu.bias', [D]) };
  const mb = builder();
  declare(mb, feeds);
  mb.output('y', 'float32', [B, S, D]).node('FastGelu', ['x', 'bias'], ['y'], {}, MS);
  await compare(t, mb, feeds, ['y']);
});

test('BiasGelu matches onnxruntime', async (t) => {
  const feeds = { a: randn('biasgelu.a', [B, S, D], 2), b: randn('biasgelu.b', [D]) };
  const mb = builder();
  declare(mb, feeds);
  mb.output('y', 'float32', [B, S, D]).node('BiasGelu', ['a', 'b'], ['y'], {}, MS);
  await compare(t, mb, feeds, ['y']);
});

test('QuickGelu matches onnxruntime', async (t) => {
  const feeds = { x: randn('quickgelu.x', [B, S, D], 2) };
  const mb = builder();
  declare(mb, feeds);
  mb.output('y', 'float32', [B, S, D]).node('QuickGelu', ['x'], ['y'], { alpha: 1.5 }, MS);
  await compare(t, mb, feeds, ['y']);
});

test('SkipLayerNormalization matches onnxruntime', async (t) => {
  const feeds = {
    input: randn('sln.input', [B, S, D]),
    skip: randn('sln.skip', [B, S, D]),
    gamma: randn('sln.gamma', [D]),
    beta: randn('sln.beta', [D]),
    bias: randn('sln.bias', [D], 0.1),
  };
  const mb = builder();
  declare(mb, feeds, ['gamma', 'beta', 'bias']);
  mb.output('y', 'float32', [B, S, D]).output('sum', 'float32', [B, S, D]);
  mb.node(
    'SkipLayerNormalization',
    ['input', 'skip', 'gamma', 'beta', 'bias'],
    ['y', '', '', 'sum'],
    { epsilon: 1e-5 },
    MS,
  );
  await compare(t, mb, feeds, ['y', 'sum'], ['gamma', 'beta', 'bias']);
});

// onnxruntime registers its fused LayerNormalization and SimplifiedLayerNormalization in the default domain
// (version 1), not in com.microsoft; at opset 16 LayerNormalization resolves to that contrib kernel.
test('LayerNormalization (onnxruntime contrib, opset 16) matches onnxruntime', async (t) => {
  const feeds = {
    x: randn('ln.x', [B, S, D], 3),
    scale: randn('ln.scale', [D]),
    bias: randn('ln.bias', [D]),
  };
  const mb = builder(16);
  declare(mb, feeds, ['scale', 'bias']);
  mb.output('y', 'float32', [B, S, D]);
  mb.node('LayerNormalization', ['x', 'scale', 'bias'], ['y'], { axis: -1, epsilon: 1e-5 });
  await compare(t, mb, feeds, ['y'], ['scale', 'bias']);
});

test('SimplifiedLayerNormalization matches onnxruntime', async (t) => {
  const feeds = { x: randn('sln2.x', [B, S, D], 3), scale: randn('sln2.scale', [D]) };
  const mb = builder();
  declare(mb, feeds, ['scale']);
  mb.output('y', 'float32', [B, S, D]);
  mb.node('SimplifiedLayerNormalization', ['x', 'scale'], ['y'], { axis: -1, epsilon: 1e-6 });
  await compare(t, mb, feeds, ['y'], ['scale']);
});

test('Attention (com.microsoft) matches onnxruntime', async (t) => {
  // Right-padded batch: the second sequence has 11 real tokens.
  const mask = Array.from({ length: B * S }, (_, i) => (i >= S && i % S >= 11 ? 0 : 1));
  const feeds = {
    input: randn('attn.input', [B, S, D]),
    weights: randn('attn.weights', [D, 3 * D], 0.15),
    bias: randn('attn.bias', [3 * D], 0.1),
    mask: int32(mask, [B, S]),
  };
  const mb = builder();
  declare(mb, feeds, ['weights', 'bias']);
  mb.output('y', 'float32', [B, S, D]);
  mb.node('Attention', ['input', 'weights', 'bias', 'mask'], ['y'], { num_heads: N }, MS);
  await compare(t, mb, feeds, ['y'], ['weights', 'bias']);
});

test('MultiHeadAttention matches onnxruntime', async (t) => {
  const P = 8;
  const mask = Array.from({ length: B * (P + S) }, (_, i) => (i >= P + S && i % (P + S) >= P + 13 ? 0 : 1));
  const feeds = {
    q: randn('mha.q', [B, S, D]),
    k: randn('mha.k', [B, S, D]),
    v: randn('mha.v', [B, S, D]),
    bias: randn('mha.bias', [3 * D], 0.1),
    mask: int32(mask, [B, P + S]),
    past_k: randn('mha.past_k', [B, N, P, H]),
    past_v: randn('mha.past_v', [B, N, P, H]),
  };
  const mb = builder();
  declare(mb, feeds, ['bias']);
  mb.output('y', 'float32', [B, S, D]);
  mb.output('present_k', 'float32', [B, N, P + S, H]).output('present_v', 'float32', [B, N, P + S, H]);
  mb.node(
    'MultiHeadAttention',
    ['q', 'k', 'v', 'bias', 'mask', '', 'past_k', 'past_v'],
    ['y', 'present_k', 'present_v'],
    { num_heads: N },
    MS,
  );
  await compare(t, mb, feeds, ['y', 'present_k', 'present_v'], ['bias']);

  // Long enough for the batched-GEMM path, causal (unidirectional) through onnxruntime's additive mask.
  const L = 128;
  const big = { q: randn('mha2.q', [B, L, D]), k: randn('mha2.k', [B, L, D]), v: randn('mha2.v', [B, L, D]) };
  const mb2 = builder();
  declare(mb2, big);
  mb2.output('y', 'float32', [B, L, D]);
  mb2.node('MultiHeadAttention', ['q', 'k', 'v'], ['y'], { num_heads: N, unidirectional: 1 }, MS);
  await compare(t, mb2, big, ['y']);
});

test('Attention (ai.onnx opset 23, grouped heads, causal) matches onnxruntime', async (t) => {
  // Large enough for the batched-GEMM path (the conformance cases are small and run row by row).
  const L = 64;
  const feeds = {
    q: randn('att23.q', [B, 8, L, 32]),
    k: randn('att23.k', [B, 2, L, 32]),
    v: randn('att23.v', [B, 2, L, 32]),
  };
  const mb = new ModelBuilder({ opset: 23 });
  declare(mb, feeds);
  mb.output('y', 'float32', [B, 8, L, 32]);
  mb.node('Attention', ['q', 'k', 'v'], ['y'], { is_causal: 1 });
  await compare(t, mb, feeds, ['y']);
});

test('FusedConv matches onnxruntime', async (t) => {
  const feeds = {
    x: randn('fconv.x', [B, 8, 16, 16]),
    w: randn('fconv.w', [16, 8, 3, 3], 0.2),
    b: randn('fconv.b', [16], 0.1),
    z: randn('fconv.z', [B, 16, 16, 16]),
  };
  const mb = builder();
  declare(mb, feeds, ['w', 'b']);
  mb.output('y', 'float32', [B, 16, 16, 16]);
  mb.node(
    'FusedConv',
    ['x', 'w', 'b', 'z'],
    ['y'],
    { activation: 'Relu', pads: [1, 1, 1, 1], kernel_shape: [3, 3] },
    MS,
  );
  await compare(t, mb, feeds, ['y'], ['w', 'b']);
});

test('FusedMatMul matches onnxruntime', async (t) => {
  // Transposed operands with alpha, then the batch-transposed form.
  const feeds = { a: randn('fmm.a', [B, N, H, S]), b: randn('fmm.b', [B, N, 32, H]) };
  const mb = builder();
  declare(mb, feeds);
  mb.output('y', 'float32', [B, N, S, 32]);
  mb.node('FusedMatMul', ['a', 'b'], ['y'], { alpha: 0.25, transA: 1, transB: 1 }, MS);
  await compare(t, mb, feeds, ['y']);

  const feeds2 = { a: randn('fmm2.a', [S, B, D]), b: randn('fmm2.b', [B, D, 32]) };
  const mb2 = builder();
  declare(mb2, feeds2);
  mb2.output('y', 'float32', [B, S, 32]);
  mb2.node('FusedMatMul', ['a', 'b'], ['y'], { alpha: attr.float(2), transBatchA: 1 }, MS);
  await compare(t, mb2, feeds2, ['y']);
});

test('MatMulNBits matches onnxruntime', async (t) => {
  const K = D;
  const Nout = 96;
  const block = 32;
  const blocks = K / block;
  const feeds = {
    a: randn('mnb.a', [B, S, K]),
    qweight: randBytes('mnb.b', [Nout, blocks, (block * 4) / 8]),
    scales: randn('mnb.scales', [Nout * blocks], 0.05),
    zp: randBytes('mnb.zp', [Nout, Math.ceil((blocks * 4) / 8)]),
  };
  const mb = builder();
  declare(mb, feeds, ['qweight', 'scales', 'zp']);
  mb.output('y', 'float32', [B, S, Nout]);
  mb.node(
    'MatMulNBits',
    ['a', 'qweight', 'scales', 'zp'],
    ['y'],
    { K, N: Nout, bits: 4, block_size: block },
    MS,
  );
  await compare(t, mb, feeds, ['y'], ['qweight', 'scales', 'zp']);
});

/** cos/sin tables (maxSeq, half) of the usual RoPE frequencies. */
function ropeCaches(maxSeq: number, half: number): { cos: Feed; sin: Feed } {
  const cos = new Float32Array(maxSeq * half);
  const sin = new Float32Array(maxSeq * half);
  for (let p = 0; p < maxSeq; p++)
    for (let i = 0; i < half; i++) {
      const angle = p / 10000 ** (i / half);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  return {
    cos: { type: 'float32', data: cos, dims: [maxSeq, half] },
    sin: { type: 'float32', data: sin, dims: [maxSeq, half] },
  };
}

test('RotaryEmbedding (com.microsoft) matches onnxruntime', async (t) => {
  const { cos, sin } = ropeCaches(32, H / 2);
  const pos = Array.from({ length: B * S }, (_, i) => (i % S) + (i >= S ? 5 : 0));
  for (const interleaved of [0, 1]) {
    const feeds = { x: randn(`rope.x${interleaved}`, [B, S, D]), pos: int64(pos, [B, S]), cos, sin };
    const mb = builder();
    declare(mb, feeds, ['cos', 'sin']);
    mb.output('y', 'float32', [B, S, D]);
    mb.node('RotaryEmbedding', ['x', 'pos', 'cos', 'sin'], ['y'], { num_heads: N, interleaved }, MS);
    await compare(t, mb, feeds, ['y'], ['cos', 'sin']);
  }
});

test('GroupQueryAttention matches onnxruntime', async (t) => {
  const kvHeads = 2;
  const { cos, sin } = ropeCaches(32, H / 2);
  const outputs = ['y', 'present_k', 'present_v'];
  // Prompt: 16 tokens, empty cache, rotary embedding inside the op.
  const prompt = {
    q: randn('gqa.q', [B, S, D]),
    k: randn('gqa.k', [B, S, kvHeads * H]),
    v: randn('gqa.v', [B, S, kvHeads * H]),
    past_k: randn('gqa.past_k', [B, kvHeads, 0, H]),
    past_v: randn('gqa.past_v', [B, kvHeads, 0, H]),
    seqlens: int32([S - 1, S - 1], [B]),
    total: int32([S], []),
    cos,
    sin,
  };
  const model = (feeds: Record<string, Feed>, seq: number) => {
    const mb = builder();
    declare(mb, feeds, ['cos', 'sin']);
    mb.output('y', 'float32', [B, seq, D]);
    mb.output('present_k', 'float32', [B, kvHeads, 'present', H]).output('present_v', 'float32', [
      B,
      kvHeads,
      'present',
      H,
    ]);
    mb.node(
      'GroupQueryAttention',
      ['q', 'k', 'v', 'past_k', 'past_v', 'seqlens', 'total', 'cos', 'sin'],
      ['y', 'present_k', 'present_v'],
      { num_heads: N, kv_num_heads: kvHeads, do_rotary: 1 },
      MS,
    );
    return mb;
  };
  await compare(t, model(prompt, S), prompt, outputs, ['cos', 'sin']);
  // Decode: one new token per sequence after a cache of 15 (second sequence: 11 valid cache rows).
  const decode = {
    q: randn('gqa.dq', [B, 1, D]),
    k: randn('gqa.dk', [B, 1, kvHeads * H]),
    v: randn('gqa.dv', [B, 1, kvHeads * H]),
    past_k: randn('gqa.dpast_k', [B, kvHeads, S - 1, H]),
    past_v: randn('gqa.dpast_v', [B, kvHeads, S - 1, H]),
    seqlens: int32([S - 1, 11], [B]),
    total: int32([S], []),
    cos,
    sin,
  };
  await compare(t, model(decode, 1), decode, outputs, ['cos', 'sin']);
  // A longer prompt takes the batched-GEMM path.
  const L = 48;
  const long = {
    q: randn('gqa.lq', [B, L, D]),
    k: randn('gqa.lk', [B, L, kvHeads * H]),
    v: randn('gqa.lv', [B, L, kvHeads * H]),
    past_k: randn('gqa.lpast_k', [B, kvHeads, 0, H]),
    past_v: randn('gqa.lpast_v', [B, kvHeads, 0, H]),
    seqlens: int32([L - 1, L - 1], [B]),
    total: int32([L], []),
    ...ropeCaches(64, H / 2),
  };
  await compare(t, model(long, L), long, outputs, ['cos', 'sin']);
});
