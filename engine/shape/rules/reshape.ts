// Reshape (0 copies, -1 infers, allowzero) and Flatten. The target's element count must match: with symbolic
// dims the match is checked by cancelling names, so [batch, seq, 512] -> [batch, seq, 8, -1] gives 64.
import type { Dim } from '../../ir/types.js';
import { reshaped } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { dimProduct, divideProducts, formatShape, normalizeAxis, symbolicProduct } from '../dims.js';

function reshapeTarget(ctx: InferContext): Dim[] | undefined {
  if (ctx.opset < 5) return ctx.ints('shape');
  const v = ctx.value(1);
  if (v) return v.values;
  const len = ctx.shape(1)?.[0];
  return typeof len === 'number' ? new Array<Dim>(len).fill(null) : undefined;
}

const reshape: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const target = reshapeTarget(ctx);
  const elemType = ctx.type(0);
  if (!target) return ctx.set(0, { elemType });
  const allowZero = ctx.int('allowzero', 0) === 1;
  if (target.filter((d) => d === -1).length > 1)
    ctx.fail(`shape ${formatShape(target)} has more than one -1`);
  const out: Dim[] = target.map((d, i) => {
    if (d === 0 && !allowZero)
      return input ? (input[i] ?? ctx.fail(`shape has 0 at ${i} but input rank is ${input.length}`)) : null;
    if (typeof d === 'number' && d < -1) ctx.fail(`shape ${formatShape(target)} has a negative size`);
    return d;
  });
  const wild = out.indexOf(-1);
  const total = input && symbolicProduct(input);
  if (wild >= 0) {
    const rest = symbolicProduct(out.filter((_, i) => i !== wild));
    out[wild] = null;
    if (total && rest) {
      const q = divideProducts(total, rest);
      if (q === undefined && rest.num !== 0 && rest.symbols.length === 0 && total.symbols.length === 0) {
        ctx.fail(`cannot reshape ${formatShape(input)} to ${formatShape(target)}: ${total.num} elements`);
      }
      out[wild] = q ?? null;
    }
  } else if (total) {
    const want = symbolicProduct(out);
    if (want && want.symbols.length === 0 && total.symbols.length === 0 && want.num !== total.num) {
      ctx.fail(
        `cannot reshape ${formatShape(input)} (${total.num} elements) to ${formatShape(out)} (${want.num})`,
      );
    }
  }
  ctx.set(0, { elemType, shape: out, value: reshaped(ctx.value(0), out) });
};

const flatten: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  if (!input) return ctx.set(0, { elemType, shape: [null, null] });
  const axis = ctx.int('axis', 1);
  const a = axis === input.length ? axis : normalizeAxis(axis, input.length);
  if (a === undefined) return ctx.fail(`axis ${axis} is out of range for ${ctx.describe(0)}`);
  const shape = [dimProduct(input.slice(0, a)), dimProduct(input.slice(a))];
  ctx.set(0, { elemType, shape, value: reshaped(ctx.value(0), shape) });
};

export const reshapeRules: Record<string, ShapeRule> = { Reshape: reshape, Flatten: flatten };
