// Attention (opset 23: MHA/GQA/MQA, 3-D or 4-D, with a KV cache) and RotaryEmbedding.
import type { Dim } from '../../ir/types.js';
import type { ShapeRule } from '../context.js';
import { dimSum, isKnown } from '../dims.js';

const div = (a: Dim | undefined, b: Dim | undefined): Dim =>
  isKnown(a) && isKnown(b) && b !== 0 && a % b === 0 ? a / b : null;
const mul = (a: Dim, b: Dim): Dim => (isKnown(a) && isKnown(b) ? a * b : null);

const attention: ShapeRule = (ctx) => {
  const [q, k, v] = [ctx.shape(0), ctx.shape(1), ctx.shape(2)];
  const elemType = ctx.type(0);
  if (!q || !k || !v) return [0, 1, 2, 3].forEach((i) => ctx.set(i, { elemType }));
  const fourD = q.length === 4;
  const batch = q[0];
  const qHeads: Dim = fourD ? q[1] : (ctx.int('q_num_heads') ?? null);
  const kvHeads: Dim = fourD ? k[1] : (ctx.int('kv_num_heads') ?? null);
  const qSeq = fourD ? q[2] : q[1];
  const kvSeq = fourD ? k[2] : k[1];
  const headSize = fourD ? k[3] : div(k[2], kvHeads);
  const vHeadSize = fourD ? v[3] : div(v[2], kvHeads);
  const past = ctx.has(4) ? (ctx.shape(4)?.[2] ?? null) : 0;
  const total = dimSum([past, kvSeq]);
  ctx.set(0, {
    elemType,
    shape: fourD ? [batch, qHeads, qSeq, vHeadSize] : [batch, qSeq, mul(qHeads, vHeadSize)],
  });
  ctx.set(1, { elemType, shape: [batch, kvHeads, total, headSize] });
  ctx.set(2, { elemType: ctx.type(2), shape: [batch, kvHeads, total, vHeadSize] });
  ctx.set(3, { elemType, shape: [batch, qHeads, qSeq, total] });
};

const rotaryEmbedding: ShapeRule = (ctx) => ctx.set(0, { elemType: ctx.type(0), shape: ctx.shape(0) });

export const attentionRules: Record<string, ShapeRule> = {
  Attention: attention,
  RotaryEmbedding: rotaryEmbedding,
};
