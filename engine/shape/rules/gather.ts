// Gather family and scatters. Gather on a known shape vector (Shape -> Gather) is evaluated.
import type { Dim } from '../../ir/types.js';
import { type ConstValue, makeConst, mapIndices, stridesOf } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { dimProduct, formatShape, normalizeAxis } from '../dims.js';

function gatherValue(
  ctx: InferContext,
  axis: number,
  data?: ConstValue,
  indices?: ConstValue,
): ConstValue | undefined {
  if (!data || !indices) return undefined;
  const size = data.dims[axis];
  const idx = indices.values.map((x) => {
    if (typeof x !== 'number') return null;
    const k = x < 0 ? x + size : x;
    if (k < 0 || k >= size) ctx.fail(`index ${x} is out of range for axis ${axis} of size ${size}`);
    return k;
  });
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const strides = stridesOf(data.dims);
  const idxStrides = stridesOf(indices.dims);
  const q = indices.dims.length;
  const values = mapIndices(dims, (index) => {
    let at = 0;
    for (let j = 0; j < q; j++) at += index[axis + j] * idxStrides[j];
    const k = idx[at];
    if (k === null) return null;
    let flat = k * strides[axis];
    for (let a = 0; a < axis; a++) flat += index[a] * strides[a];
    for (let a = axis + 1; a < data.dims.length; a++) flat += index[a - 1 + q] * strides[a];
    return data.values[flat];
  });
  return values && makeConst(dims, values);
}

const gather: ShapeRule = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const elemType = ctx.type(0);
  if (!data || !indices) return ctx.set(0, { elemType });
  const axis =
    normalizeAxis(ctx.int('axis', 0), data.length) ??
    ctx.fail(`axis ${ctx.int('axis', 0)} is out of range for ${ctx.describe(0)}`);
  const shape = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  ctx.set(0, { elemType, shape, value: gatherValue(ctx, axis, ctx.value(0), ctx.value(1)) });
};

const gatherElements: ShapeRule = (ctx) => ctx.set(0, { elemType: ctx.type(0), shape: ctx.shape(1) });

const gatherND: ShapeRule = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const elemType = ctx.type(0);
  const batch = ctx.int('batch_dims', 0);
  const last = indices?.[indices.length - 1];
  if (!data || !indices || typeof last !== 'number') return ctx.set(0, { elemType });
  if (batch + last > data.length) ctx.fail(`index depth ${last} exceeds ${ctx.describe(0)}`);
  ctx.set(0, { elemType, shape: [...indices.slice(0, -1), ...data.slice(batch + last)] });
};

const likeData: ShapeRule = (ctx) => ctx.set(0, { elemType: ctx.type(0), shape: ctx.shape(0) });

const compress: ShapeRule = (ctx) => {
  const data = ctx.shape(0);
  const elemType = ctx.type(0);
  const axis = ctx.int('axis');
  const keep = ctx.numbers(1);
  // With a known condition the kept count is known: its true entries within the selected extent.
  const kept = (extent: Dim): Dim =>
    keep && typeof extent === 'number' ? keep.slice(0, extent).filter((x) => x !== 0).length : null;
  if (!data) return ctx.set(0, { elemType, shape: axis === undefined ? [null] : undefined });
  if (axis === undefined) return ctx.set(0, { elemType, shape: [kept(dimProduct(data))] });
  const a =
    normalizeAxis(axis, data.length) ?? ctx.fail(`axis ${axis} is out of range for ${formatShape(data)}`);
  ctx.set(0, { elemType, shape: data.map((d, i): Dim => (i === a ? kept(d) : d)) });
};

export const gatherRules: Record<string, ShapeRule> = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  Scatter: likeData,
  ScatterElements: likeData,
  ScatterND: likeData,
  Compress: compress,
};
