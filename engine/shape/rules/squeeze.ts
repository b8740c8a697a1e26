// Squeeze and Unsqueeze; axes are an attribute before opset 13 and an input from 13 on.
import type { Dim } from '../../ir/types.js';
import { reshaped } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { formatShape, normalizeAxis } from '../dims.js';

/** The axes list, `null` when not given at all, undefined when given but not known statically. */
function axesOf(ctx: InferContext): number[] | null | undefined {
  if (ctx.opset < 13) return ctx.ints('axes') ?? null;
  if (!ctx.has(1)) return null;
  return ctx.numbers(1);
}

function normalizeAll(ctx: InferContext, axes: number[], rank: number): Set<number> {
  const out = new Set<number>();
  for (const axis of axes) {
    const a = normalizeAxis(axis, rank);
    if (a === undefined || out.has(a))
      ctx.fail(`axes [${axes}] are out of range or repeated for rank ${rank}`);
    out.add(a);
  }
  return out;
}

const squeeze: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  const axes = axesOf(ctx);
  if (!input || axes === undefined) return ctx.set(0, { elemType });
  let shape: Dim[] | undefined;
  if (axes === null) {
    // Without axes every size-1 dim goes: the rank is known only when every dim is.
    shape = input.every((d) => typeof d === 'number') ? input.filter((d) => d !== 1) : undefined;
  } else {
    const drop = normalizeAll(ctx, axes, input.length);
    for (const a of drop) {
      if (typeof input[a] === 'number' && input[a] !== 1) {
        ctx.fail(`cannot squeeze axis ${a} of size ${input[a]} in ${formatShape(input)}`);
      }
    }
    shape = input.filter((_, i) => !drop.has(i));
  }
  ctx.set(0, { elemType, shape, value: reshaped(ctx.value(0), shape) });
};

const unsqueeze: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  const axes = axesOf(ctx);
  if (axes === null) return ctx.fail('axes are required');
  if (!input) return ctx.set(0, { elemType });
  if (axes === undefined) {
    // Axes not known, but how many: the rank is known.
    const count = ctx.shape(1)?.[0];
    const shape = typeof count === 'number' ? new Array<Dim>(input.length + count).fill(null) : undefined;
    return ctx.set(0, { elemType, shape });
  }
  const rank = input.length + axes.length;
  const add = normalizeAll(ctx, axes, rank);
  const shape: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) shape.push(add.has(i) ? 1 : input[next++]);
  ctx.set(0, { elemType, shape, value: reshaped(ctx.value(0), shape) });
};

export const squeezeRules: Record<string, ShapeRule> = { Squeeze: squeeze, Unsqueeze: unsqueeze };
