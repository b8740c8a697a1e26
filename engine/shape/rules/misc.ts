// Ops with data-dependent or multi-output shapes: TopK, NonZero, OneHot, NonMaxSuppression, Unique.
import type { Dim } from '../../ir/types.js';
import type { ShapeRule } from '../context.js';
import { normalizeAxis } from '../dims.js';

const topK: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const k: Dim = ctx.opset < 10 ? (ctx.int('k') ?? null) : (ctx.value(1)?.values[0] ?? null);
  let shape: Dim[] | undefined;
  if (input) {
    const axis =
      normalizeAxis(ctx.int('axis', -1), input.length) ??
      ctx.fail(`axis ${ctx.int('axis', -1)} is out of range for ${ctx.describe(0)}`);
    if (typeof k === 'number' && typeof input[axis] === 'number' && k > input[axis]) {
      ctx.fail(`k = ${k} exceeds axis size ${input[axis]}`);
    }
    shape = input.map((d, i) => (i === axis ? k : d));
  }
  ctx.set(0, { elemType: ctx.type(0), shape });
  ctx.set(1, { elemType: 'int64', shape });
};

const nonZero: ShapeRule = (ctx) => {
  const v = ctx.value(0);
  const count = v && v.values.every((x) => x !== null) ? v.values.filter((x) => x !== 0).length : null;
  ctx.set(0, { elemType: 'int64', shape: [ctx.rank(0) ?? null, count] });
};

const oneHot: ShapeRule = (ctx) => {
  const indices = ctx.shape(0);
  const depth = ctx.value(1)?.values[0] ?? null;
  const elemType = ctx.type(2);
  if (!indices) return ctx.set(0, { elemType });
  const rank = indices.length + 1;
  const axis =
    normalizeAxis(ctx.int('axis', -1), rank) ??
    ctx.fail(`axis ${ctx.int('axis', -1)} is out of range for rank ${rank}`);
  const shape = [...indices];
  shape.splice(axis, 0, typeof depth === 'number' ? Math.trunc(depth) : null);
  ctx.set(0, { elemType, shape });
};

const nonMaxSuppression: ShapeRule = (ctx) => ctx.set(0, { elemType: 'int64', shape: [null, 3] });

const unique: ShapeRule = (ctx) => {
  const elemType = ctx.type(0);
  const axis = ctx.int('axis');
  const input = ctx.shape(0);
  const a = axis !== undefined && input ? normalizeAxis(axis, input.length) : undefined;
  ctx.set(0, { elemType, shape: a !== undefined ? input!.map((d, i) => (i === a ? null : d)) : [null] });
  for (const k of [1, 2, 3]) ctx.set(k, { elemType: 'int64', shape: [null] });
};

export const miscRules: Record<string, ShapeRule> = {
  TopK: topK,
  NonZero: nonZero,
  OneHot: oneHot,
  NonMaxSuppression: nonMaxSuppression,
  Unique: unique,
};
