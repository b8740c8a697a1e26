// Slice: starts/ends/axes/steps are attributes before opset 10 and inputs from 10 on. Bounds clamp as in the
// spec; a symbolic dim survives a full-range slice. Known small inputs are sliced by value.
import type { Dim } from '../../ir/types.js';
import { makeConst, mapIndices, stridesOf } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { normalizeAxis } from '../dims.js';

interface SliceParams {
  starts?: Dim[];
  ends?: Dim[];
  axes?: number[]; // undefined: given but unknown
  steps?: Dim[];
}

function params(ctx: InferContext, rank: number): SliceParams {
  if (ctx.opset < 10) {
    const starts = ctx.ints('starts');
    return {
      starts,
      ends: ctx.ints('ends'),
      axes: ctx.ints('axes') ?? starts?.map((_, i) => i),
      steps: starts?.map(() => 1),
    };
  }
  const starts = ctx.value(1)?.values;
  const count = starts?.length ?? ctx.shape(1)?.[0];
  const defaultAxes = typeof count === 'number' ? Array.from({ length: count }, (_, i) => i) : undefined;
  const axes = ctx.has(3) ? ctx.numbers(3) : defaultAxes;
  return {
    starts,
    ends: ctx.value(2)?.values,
    axes: axes?.map((a) => normalizeAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for rank ${rank}`)),
    steps: ctx.has(4) ? ctx.value(4)?.values : axes?.map(() => 1),
  };
}

const BIG = 2 ** 31 - 1; // exporters write INT_MAX / INT64_MAX for "to the end"

/** [start, length] of one sliced axis, or null when it cannot be known. */
function sliceAxis(ctx: InferContext, dim: Dim, s: Dim, e: Dim, step: Dim): [number, Dim] | null {
  if (typeof s !== 'number' || typeof e !== 'number' || typeof step !== 'number') return null;
  if (step === 0) ctx.fail('a step is 0');
  if (typeof dim !== 'number') {
    const whole = (s === 0 && e >= BIG && step === 1) || (s === -1 && e <= -BIG && step === -1);
    return whole ? [0, dim] : null;
  }
  let start = s < 0 ? s + dim : s;
  let end = e < 0 ? e + dim : e;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    return [start, Math.max(0, Math.ceil((end - start) / step))];
  }
  start = Math.min(Math.max(start, 0), dim - 1);
  end = Math.min(Math.max(end, -1), dim - 1);
  return [start, Math.max(0, Math.ceil((start - end) / -step))];
}

const slice: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  if (!input) return ctx.set(0, { elemType });
  const p = params(ctx, input.length);
  if (!p.axes) return ctx.set(0, { elemType, shape: input.map(() => null) });
  const shape = [...input];
  const starts = input.map(() => 0);
  const steps = input.map(() => 1);
  let exact = true;
  p.axes.forEach((a, k) => {
    const r = sliceAxis(ctx, input[a], p.starts?.[k] ?? null, p.ends?.[k] ?? null, p.steps?.[k] ?? null);
    shape[a] = r ? r[1] : null;
    if (r) [starts[a], steps[a]] = [r[0], p.steps![k] as number];
    else exact = false;
  });
  const v = ctx.value(0);
  let value;
  if (v && exact && shape.every((d): d is number => typeof d === 'number')) {
    const strides = stridesOf(v.dims);
    const values = mapIndices(
      shape,
      (index) => v.values[index.reduce((flat, i, a) => flat + (starts[a] + i * steps[a]) * strides[a], 0)],
    );
    value = values && makeConst(shape, values);
  }
  ctx.set(0, { elemType, shape, value });
};

export const sliceRules: Record<string, ShapeRule> = { Slice: slice };
