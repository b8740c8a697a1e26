// Ops that move or repeat elements: Concat (evaluated on known 1-D shape pieces), Transpose, Tile, Pad,
// DepthToSpace, SpaceToDepth.
import type { Dim } from '../../ir/types.js';
import { makeConst, reshaped } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { dimSum, formatShape, isKnown, normalizeAxis, refineDim } from '../dims.js';

const concat: ShapeRule = (ctx) => {
  const present = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.has(i));
  const shapes = present.map((i) => ctx.shape(i));
  const elemType = present.map((i) => ctx.type(i)).find((t) => t !== undefined);
  const known = shapes.filter((s): s is Dim[] => s !== undefined);
  if (!known.length) return ctx.set(0, { elemType });
  const rank = known[0].length;
  const requested = ctx.int('axis', ctx.opset < 4 ? 1 : 0); // Concat-1 defaults to axis 1; 4+ requires it
  const axis =
    normalizeAxis(requested, rank) ?? ctx.fail(`axis ${requested} is out of range for rank ${rank}`);
  const shape: Dim[] = [];
  for (let d = 0; d < rank; d++) {
    if (d === axis) {
      shape.push(shapes.every((s) => s !== undefined) ? dimSum(known.map((s) => s[d])) : null);
      continue;
    }
    let dim: Dim = null;
    for (const s of known) {
      if (s.length !== rank) ctx.fail(`inputs have ranks ${known.map((k) => k.length).join(', ')}`);
      if (isKnown(dim) && isKnown(s[d]) && dim !== s[d]) {
        ctx.fail(`dimension ${d} differs between inputs: ${known.map(formatShape).join(', ')}`);
      }
      dim = refineDim(dim, s[d]);
    }
    shape.push(dim);
  }
  const values = present.map((i) => ctx.value(i));
  const value =
    rank === 1 && values.every((v) => v !== undefined)
      ? makeConst(
          [values.reduce((n, v) => n + v!.values.length, 0)],
          values.flatMap((v) => v!.values),
        )
      : undefined;
  ctx.set(0, { elemType, shape, value });
};

const transpose: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  if (!input) return ctx.set(0, { elemType });
  const perm = ctx.ints('perm') ?? input.map((_, i) => input.length - 1 - i);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== input.length || sorted.some((p, i) => p !== i)) {
    ctx.fail(`perm [${perm}] is not a permutation of the axes of ${ctx.describe(0)}`);
  }
  const shape = perm.map((p) => input[p]);
  ctx.set(0, { elemType, shape, value: input.length <= 1 ? reshaped(ctx.value(0), shape) : undefined });
};

const tile: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const repeats = ctx.value(1)?.values;
  const elemType = ctx.type(0);
  if (!input) return ctx.set(0, { elemType });
  if (repeats && repeats.length !== input.length)
    ctx.fail(`${repeats.length} repeats for ${ctx.describe(0)}`);
  const shape = input.map((d, i) => {
    const r = repeats?.[i] ?? null;
    if (r === 1) return d;
    return isKnown(d) && isKnown(r) ? d * r : null;
  });
  ctx.set(0, { elemType, shape });
};

function padAmounts(ctx: InferContext, rank: number): Dim[] | undefined {
  const pads = ctx.opset < 11 ? ctx.ints('pads') : ctx.value(1)?.values;
  if (!pads) return undefined;
  const axes = ctx.opset >= 18 && ctx.has(3) ? ctx.numbers(3) : Array.from({ length: rank }, (_, i) => i);
  if (!axes) return undefined;
  if (pads.length !== 2 * axes.length) ctx.fail(`${pads.length} pads for ${axes.length} axes`);
  const out = new Array<Dim>(2 * rank).fill(0);
  axes.forEach((a, k) => {
    const axis = normalizeAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for rank ${rank}`);
    out[axis] = pads[k];
    out[axis + rank] = pads[k + axes.length];
  });
  return out;
}

const pad: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  if (!input) return ctx.set(0, { elemType });
  const pads = padAmounts(ctx, input.length);
  const r = input.length;
  const shape = input.map((d, i) => (pads ? padDim(d, pads[i], pads[i + r]) : null));
  ctx.set(0, { elemType, shape });
};

function padDim(d: Dim, before: Dim, after: Dim): Dim {
  if (before === 0 && after === 0) return d;
  return isKnown(d) && isKnown(before) && isKnown(after) ? d + before + after : null;
}

function blockRule(toSpace: boolean): ShapeRule {
  return (ctx) => {
    const input = ctx.shape(0);
    const elemType = ctx.type(0);
    const b = ctx.int('blocksize', 1);
    if (!input || input.length !== 4) return ctx.set(0, { elemType, shape: input && input.map(() => null) });
    const [n, c, h, w] = input;
    const scale = (d: Dim, f: (x: number) => number) => (isKnown(d) ? f(d) : null);
    const shape = toSpace
      ? [n, scale(c, (x) => x / (b * b)), scale(h, (x) => x * b), scale(w, (x) => x * b)]
      : [n, scale(c, (x) => x * b * b), scale(h, (x) => x / b), scale(w, (x) => x / b)];
    if (shape.some((d) => isKnown(d) && !Number.isInteger(d))) {
      ctx.fail(`blocksize ${b} does not divide the dims of ${formatShape(input)}`);
    }
    ctx.set(0, { elemType, shape });
  };
}

export const layoutRules: Record<string, ShapeRule> = {
  Concat: concat,
  Transpose: transpose,
  Tile: tile,
  Pad: pad,
  DepthToSpace: blockRule(true),
  SpaceToDepth: blockRule(false),
};
