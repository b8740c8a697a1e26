// Split: sizes from the `split` attribute (before opset 13) or input, else equal parts (opset 18's
// num_outputs allows a smaller last part).
import type { Dim } from '../../ir/types.js';
import { makeConst } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { formatShape, normalizeAxis } from '../dims.js';

function partSizes(ctx: InferContext, dim: Dim, parts: number): Dim[] | undefined {
  const given = ctx.opset < 13 ? ctx.ints('split') : ctx.has(1) ? ctx.numbers(1) : undefined;
  if (given) {
    if (given.length !== parts) ctx.fail(`split has ${given.length} sizes for ${parts} outputs`);
    const sum = given.reduce((a, b) => a + b, 0);
    if (typeof dim === 'number' && sum !== dim) ctx.fail(`split sizes [${given}] do not add up to ${dim}`);
    return given;
  }
  if (ctx.opset >= 13 && ctx.has(1)) return new Array<Dim>(parts).fill(null); // sizes given but not known
  if (typeof dim !== 'number') return new Array<Dim>(parts).fill(null);
  if (dim % parts === 0) return new Array<Dim>(parts).fill(dim / parts);
  if (ctx.opset < 18) ctx.fail(`axis of size ${dim} does not split into ${parts} equal parts`);
  const chunk = Math.ceil(dim / parts);
  return Array.from({ length: parts }, (_, k) => (k < parts - 1 ? chunk : dim - chunk * (parts - 1)));
}

const split: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  const parts = ctx.node.outputs.length;
  if (!input) return ctx.node.outputs.forEach((_, k) => ctx.set(k, { elemType }));
  const axis =
    normalizeAxis(ctx.int('axis', 0), input.length) ??
    ctx.fail(`axis ${ctx.int('axis', 0)} is out of range for ${formatShape(input)}`);
  const sizes = partSizes(ctx, input[axis], parts) ?? [];
  const v = ctx.value(0);
  let offset = 0;
  sizes.forEach((size, k) => {
    const shape = input.map((d, i) => (i === axis ? size : d));
    // Only 1-D values are split by value: that is what shape arithmetic uses.
    const value =
      v && v.dims.length === 1 && typeof size === 'number'
        ? makeConst([size], v.values.slice(offset, offset + size))
        : undefined;
    if (typeof size === 'number') offset += size;
    ctx.set(k, { elemType, shape, value });
  });
};

export const splitRules: Record<string, ShapeRule> = { Split: split };
