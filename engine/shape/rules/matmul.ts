// MatMul (numpy semantics: 1-D operands promoted, batch dims broadcast), its integer and quantized forms,
// and Gemm (transA/transB, C broadcast to [M, N]).
import type { TensorType } from '../../dtype.js';
import type { Dim } from '../../ir/types.js';
import type { InferContext, ShapeRule } from '../context.js';
import { broadcastShapes, formatShape, isKnown } from '../dims.js';

function checkInner(ctx: InferContext, k1: Dim, k2: Dim, a: Dim[], b: Dim[]): void {
  if (isKnown(k1) && isKnown(k2) && k1 !== k2) {
    ctx.fail(`inner dimensions differ: ${formatShape(a)} x ${formatShape(b)}`);
  }
}

export function matmulShape(ctx: InferContext, a?: Dim[], b?: Dim[]): Dim[] | undefined {
  if (!a || !b) return undefined;
  if (a.length === 0 || b.length === 0) ctx.fail(`MatMul of a scalar: ${formatShape(a)} x ${formatShape(b)}`);
  const aa = a.length === 1 ? [1, a[0]] : a;
  const bb = b.length === 1 ? [b[0], 1] : b;
  checkInner(ctx, aa[aa.length - 1], bb[bb.length - 2], a, b);
  const batch = broadcastShapes([aa.slice(0, -2), bb.slice(0, -2)]);
  if (typeof batch === 'string') ctx.fail(`batch dims do not broadcast: ${batch}`);
  const out = [...batch];
  if (a.length > 1) out.push(aa[aa.length - 2]);
  if (b.length > 1) out.push(bb[bb.length - 1]);
  return out;
}

function matmulRule(
  a: number,
  b: number,
  resultType: (ctx: InferContext) => TensorType | undefined,
): ShapeRule {
  return (ctx) =>
    ctx.set(0, { elemType: resultType(ctx), shape: matmulShape(ctx, ctx.shape(a), ctx.shape(b)) });
}

const gemm: ShapeRule = (ctx) => {
  const elemType = ctx.type(0) ?? ctx.type(1);
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  if ((a && a.length !== 2) || (b && b.length !== 2))
    ctx.fail(`operands must be 2-D: ${formatShape(a)} x ${formatShape(b)}`);
  const ta = ctx.int('transA', 0) === 1;
  const tb = ctx.int('transB', 0) === 1;
  const m = a ? a[ta ? 1 : 0] : null;
  const n = b ? b[tb ? 0 : 1] : null;
  if (a && b) checkInner(ctx, a[ta ? 0 : 1], b[tb ? 1 : 0], a, b);
  const c = ctx.has(2) ? ctx.shape(2) : undefined;
  if (c) {
    const r = broadcastShapes([[m, n], c]);
    if (typeof r === 'string' || r.length !== 2)
      ctx.fail(`C ${formatShape(c)} does not broadcast to [M, N] = ${formatShape([m, n])}`);
  }
  ctx.set(0, { elemType, shape: [m, n] });
};

export const matmulRules: Record<string, ShapeRule> = {
  MatMul: matmulRule(0, 1, (ctx) => ctx.type(0) ?? ctx.type(1)),
  MatMulInteger: matmulRule(0, 1, () => 'int32'),
  QLinearMatMul: matmulRule(0, 3, (ctx) => ctx.type(7) ?? ctx.type(0)),
  Gemm: gemm,
};
