// Estimated floating-point operations of one node from its (concrete) input and output shapes. A multiply-add
// counts as 2. Matrix products and convolutions are exact; elementwise, normalization, pooling and reduction
// ops are (elements x a small constant); shape and data-movement ops are 0 (their cost is memory traffic,
// which the planner charges separately from output bytes).
import type { Node } from '../../engine/ir/types.js';

export interface NodeShapes {
  /** Shape of input i, when it is given and known. */
  input(i: number): number[] | undefined;
  output(i: number): number[] | undefined;
}

type FlopRule = (n: Node, s: NodeShapes) => number;

const numel = (shape: readonly number[] | undefined) => (shape ? shape.reduce((a, b) => a * b, 1) : 0);

function intAttr(n: Node, name: string, fallback: number): number {
  const a = n.attributes.get(name);
  return a?.type === 'i' ? Number(a.value) : fallback;
}

function intsAttr(n: Node, name: string): number[] | undefined {
  const a = n.attributes.get(name);
  return a?.type === 'is' ? a.value.map(Number) : undefined;
}

/** Y = conv(X, W): every output element is a dot product over (C_in / group) x kernel elements. */
const conv: FlopRule = (_, s) => {
  const w = s.input(1);
  if (!w || !w.length || !w[0]) return numel(s.output(0));
  return 2 * numel(s.output(0)) * (numel(w) / w[0]) + (s.input(2) ? numel(s.output(0)) : 0);
};

/** ConvTranspose: every input element is scattered through (C_out / group) x kernel weights. */
const convTranspose: FlopRule = (_, s) => {
  const w = s.input(1);
  if (!w || !w.length || !w[0]) return numel(s.output(0));
  return 2 * numel(s.input(0)) * (numel(w) / w[0]) + (s.input(2) ? numel(s.output(0)) : 0);
};

/** (Batched, broadcast) MatMul: every output element is a dot product of length K. */
const matmul: FlopRule = (_, s) => {
  const a = s.input(0);
  const k = a && a.length ? a[a.length - 1] : 0;
  return 2 * numel(s.output(0)) * k;
};

const gemm: FlopRule = (n, s) => {
  const a = s.input(0);
  const k = a && a.length === 2 ? (intAttr(n, 'transA', 0) ? a[0] : a[1]) : 0;
  const y = numel(s.output(0));
  return 2 * y * k + (s.input(2) ? y : 0);
};

const SOFTMAX = 5;

/** com.microsoft Attention: packed QKV projection of [B, S, H_in], then softmax(QK^T)V over all heads. */
const packedAttention: FlopRule = (n, s) => {
  const x = s.input(0);
  const w = s.input(1);
  if (!x || x.length !== 3 || !w || w.length !== 2) return numel(s.output(0));
  const [b, seq] = x;
  const heads = Math.max(1, intAttr(n, 'num_heads', 1));
  const hidden = numel(s.output(0)) / (b * seq); // value hidden size
  const qk = (w[1] - hidden) / 2; // Q and K hidden sizes (equal)
  const past = s.input(4);
  const total = seq + (past && past.length === 5 ? past[3] : 0);
  const projection = 2 * b * seq * x[2] * w[1] + b * seq * w[1];
  return (
    projection + 2 * b * seq * total * qk + 2 * b * seq * total * hidden + SOFTMAX * b * heads * seq * total
  );
};

/**
 * Unpacked attention (com.microsoft MultiHeadAttention, ai.onnx Attention-23): Q [B, S, D] or [B, H, S, d],
 * K/V [B, L, D] or [B, H, L, d]: QK^T and softmax(.)V, 2 x S x L x d per head each.
 */
const attention: FlopRule = (n, s) => {
  const q = s.input(0);
  const k = s.input(1);
  if (!q || !k || q.length < 3 || k.length < 3) return numel(s.output(0));
  const keys = k.length === 4 ? k[2] : k[1];
  const heads = q.length === 4 ? q[1] : Math.max(1, intAttr(n, 'num_heads', intAttr(n, 'q_num_heads', 1)));
  const d = q.length === 4 ? q[3] : q[2] / heads;
  const rows = numel(q) / d; // B x heads x S
  return 2 * numel(q) * keys + 2 * numel(s.output(0)) * keys + SOFTMAX * rows * keys;
};

/** Einsum: 2 x the product of every index size (one multiply-add per point of the iteration space). */
const einsum: FlopRule = (n, s) => {
  const eq = n.attributes.get('equation');
  if (eq?.type !== 's') return numel(s.output(0));
  const terms = eq.value.replace(/\s/g, '').split('->')[0].split(',');
  const size = new Map<string, number>();
  let broadcast = 1; // the dims '...' stands for
  terms.forEach((term, i) => {
    const shape = s.input(i);
    if (!shape) return;
    const [before, after = ''] = term.split('...');
    const letters = before + after;
    const skipped = term.includes('...') ? shape.length - letters.length : 0;
    broadcast = Math.max(broadcast, numel(shape.slice(before.length, before.length + skipped)));
    [...letters].forEach((c, j) => {
      const axis = j < before.length ? j : j + skipped;
      size.set(c, Math.max(size.get(c) ?? 1, shape[axis] ?? 1));
    });
  });
  const points = [...size.values()].reduce((a, b) => a * b, 1) * broadcast;
  return terms.length > 1 ? 2 * points : points;
};

/** LSTM / GRU / RNN: per time step and batch row, X x W^T and H x R^T for every gate of every direction. */
const recurrent: FlopRule = (_, s) => {
  const x = s.input(0);
  const w = s.input(1);
  const r = s.input(2);
  if (!x || x.length !== 3) return numel(s.output(0));
  const steps = x[0] * x[1];
  const gates = w && w.length === 3 ? w[0] * w[1] : 0;
  return steps * (2 * (numel(w) + numel(r)) + 4 * gates);
};

/** Windowed pooling: one op per output element per kernel element. */
const pool: FlopRule = (n, s) =>
  numel(s.output(0)) * (intsAttr(n, 'kernel_shape') ?? []).reduce((a, b) => a * b, 1);

const perOutput =
  (k: number): FlopRule =>
  (_, s) =>
    k * numel(s.output(0));
const perInput =
  (k: number): FlopRule =>
  (_, s) =>
    k * numel(s.input(0));
const zero: FlopRule = () => 0;

const RULES = new Map<string, FlopRule>();
function rule(ops: string, f: FlopRule) {
  for (const op of ops.split(/\s+/).filter(Boolean)) RULES.set(op, f);
}

rule('Conv FusedConv NhwcConv ConvInteger QLinearConv', conv);
rule('ConvTranspose', convTranspose);
rule('MatMul FusedMatMul MatMulInteger QLinearMatMul MatMulNBits DynamicQuantizeMatMul', matmul);
rule('Gemm FusedGemm', gemm);
rule('com.microsoft::Attention', packedAttention);
rule('MultiHeadAttention GroupQueryAttention Attention', attention);
rule('Einsum', einsum);
rule('LSTM GRU RNN', recurrent);
rule('MaxPool AveragePool LpPool', pool);
rule('GlobalAveragePool GlobalMaxPool GlobalLpPool', perInput(1));
rule('ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ArgMax ArgMin', perInput(1));
rule('ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare', perInput(2));
rule('Softmax LogSoftmax', perOutput(SOFTMAX));
rule('BatchNormalization', perOutput(2));
rule(
  'LayerNormalization SkipLayerNormalization SimplifiedLayerNormalization SkipSimplifiedLayerNormalization ' +
    'InstanceNormalization GroupNormalization MeanVarianceNormalization LpNormalization',
  perOutput(8),
);
// Transcendental and division-like elementwise ops.
rule(
  'Exp Log Sigmoid Tanh Erf Pow Sqrt Div Reciprocal Gelu FastGelu BiasGelu QuickGelu Softplus Softsign Elu ' +
    'Selu Celu HardSigmoid HardSwish Mish Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh ThresholdedRelu',
  perOutput(4),
);
rule('Resize Upsample', perOutput(4));
// Shape computations and pure data movement.
rule(
  'Shape Size Reshape Squeeze Unsqueeze Flatten Identity Constant ConstantOfShape Range Transpose Concat ' +
    'Split Slice Gather GatherElements GatherND ScatterND ScatterElements Expand Tile Pad DepthToSpace ' +
    'SpaceToDepth EyeLike NonZero Compress OneHot TopK Dropout',
  zero,
);

/** FLOPs of one node; ops without a rule cost one op per output element (the usual elementwise case). */
export function nodeFlops(n: Node, s: NodeShapes): number {
  const f = RULES.get(`${n.domain}::${n.opType}`) ?? RULES.get(n.opType) ?? perOutput(1);
  const v = f(n, s);
  return Number.isFinite(v) && v > 0 ? v : 0;
}
