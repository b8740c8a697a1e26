// Ops whose output shape comes from data: Shape and Size (which start value propagation), ConstantOfShape,
// Expand, Range, EyeLike and the random generators.
import type { Dim } from '../../ir/types.js';
import { constFromTensor, makeConst, MAX_CONST_ELEMENTS } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { allKnown, broadcastShapes, dimProduct, formatShape } from '../dims.js';
import { foldBroadcast } from './fold.js';

/** A shape given as a 1-D tensor input: its known (possibly symbolic) entries, or nulls of its known length. */
export function shapeFromInput(ctx: InferContext, i: number): Dim[] | undefined {
  const v = ctx.value(i);
  if (v) return v.values;
  const len = ctx.shape(i)?.[0];
  return typeof len === 'number' ? new Array<Dim>(len).fill(null) : undefined;
}

const shapeOp: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  if (!input) return ctx.set(0, { elemType: 'int64', shape: [null] });
  const r = input.length;
  const clamp = (x: number) => Math.min(Math.max(x < 0 ? x + r : x, 0), r);
  const start = clamp(ctx.int('start', 0));
  const end = clamp(ctx.int('end', r));
  const values = input.slice(start, Math.max(start, end));
  ctx.set(0, { elemType: 'int64', shape: [values.length], value: { dims: [values.length], values } });
};

const size: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const n = input ? dimProduct(input) : null;
  ctx.set(0, { elemType: 'int64', shape: [], value: { dims: [], values: [n] } });
};

const constantOfShape: ShapeRule = (ctx) => {
  const fill = ctx.tensor('value');
  const elemType = fill?.type ?? 'float32';
  const shape = shapeFromInput(ctx, 0);
  let value;
  if (allKnown(shape) && shape.reduce((a, b) => a * b, 1) <= MAX_CONST_ELEMENTS) {
    const x = fill ? (constFromTensor(fill)?.values[0] ?? null) : 0;
    value = makeConst(shape, new Array<Dim>(shape.reduce((a, b) => a * b, 1)).fill(x));
  }
  ctx.set(0, { elemType, shape, value });
};

const expand: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const target = shapeFromInput(ctx, 1);
  const elemType = ctx.type(0);
  if (!input || !target) return ctx.set(0, { elemType });
  const shape = broadcastShapes([input, target]);
  if (typeof shape === 'string')
    return ctx.fail(`cannot expand ${formatShape(input)} to ${formatShape(target)}: ${shape}`);
  let value;
  if (allKnown(shape) && shape.reduce((a, b) => a * b, 1) <= MAX_CONST_ELEMENTS) {
    const ones = { dims: shape, values: new Array<Dim>(shape.reduce((a, b) => a * b, 1)).fill(0) };
    value = foldBroadcast([ctx.value(0), ones], ([x]) => x);
  }
  ctx.set(0, { elemType, shape, value });
};

const range: ShapeRule = (ctx) => {
  const elemType = ctx.type(0) ?? ctx.type(1) ?? ctx.type(2);
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.value(i)?.values[0] ?? null);
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number' && delta !== 0) {
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    const values =
      n <= MAX_CONST_ELEMENTS ? Array.from({ length: n }, (_, k) => start + k * delta) : undefined;
    return ctx.set(0, { elemType, shape: [n], value: values && { dims: [n], values } });
  }
  // arange(n) over a symbolic n keeps the name.
  const n = start === 0 && delta === 1 && typeof limit === 'string' ? limit : null;
  ctx.set(0, { elemType, shape: [n] });
};

const likeInput: ShapeRule = (ctx) =>
  ctx.set(0, { elemType: ctx.dtype('dtype') ?? ctx.type(0), shape: ctx.shape(0) });

const random: ShapeRule = (ctx) =>
  ctx.set(0, { elemType: ctx.dtype('dtype') ?? 'float32', shape: ctx.ints('shape') });

const windowFunction: ShapeRule = (ctx) => {
  const size = ctx.value(0)?.values[0] ?? null;
  ctx.set(0, { elemType: ctx.dtype('output_datatype') ?? 'float32', shape: [size] });
};

export const shapeSourceRules: Record<string, ShapeRule> = {
  Shape: shapeOp,
  Size: size,
  ConstantOfShape: constantOfShape,
  Expand: expand,
  Range: range,
  EyeLike: likeInput,
  RandomNormalLike: likeInput,
  RandomUniformLike: likeInput,
  Bernoulli: likeInput,
  HannWindow: windowFunction,
  HammingWindow: windowFunction,
  BlackmanWindow: windowFunction,
  RandomNormal: random,
  RandomUniform: random,
};
