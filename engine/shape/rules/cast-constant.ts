// Constant (every value_* form), Cast and CastLike. Known contents flow through casts, so a shape entry
// cast to float and back keeps its value (and a symbolic size stays symbolic between integer types).
import type { TensorType } from '../../dtype.js';
import type { Dim } from '../../ir/types.js';
import { type ConstValue, constFromTensor, isIntegerType, makeConst } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';

const constant: ShapeRule = (ctx) => {
  const t = ctx.tensor('value') ?? ctx.tensor('sparse_value');
  if (t) return ctx.set(0, { elemType: t.type, shape: [...t.dims], value: constFromTensor(t) });
  const scalar = (elemType: TensorType, x: number) =>
    ctx.set(0, { elemType, shape: [], value: { dims: [], values: [x] } });
  const list = (elemType: TensorType, xs: number[]) =>
    ctx.set(0, { elemType, shape: [xs.length], value: makeConst([xs.length], xs) });
  const a =
    ctx.attr('value_float') ?? ctx.attr('value_int') ?? ctx.attr('value_floats') ?? ctx.attr('value_ints');
  if (a?.type === 'f') return scalar('float32', a.value);
  if (a?.type === 'i') return scalar('int64', Number(a.value));
  if (a?.type === 'fs') return list('float32', a.value);
  if (a?.type === 'is') return list('int64', a.value.map(Number));
  const s = ctx.attr('value_string') ?? ctx.attr('value_strings');
  if (s?.type === 's') return ctx.set(0, { elemType: 'string', shape: [] });
  if (s?.type === 'ss') return ctx.set(0, { elemType: 'string', shape: [s.value.length] });
  ctx.fail('no value attribute');
};

const NUMBER_TYPES: ReadonlySet<TensorType> = new Set([
  'float32',
  'float64',
  'int32',
  'int64',
  'uint32',
  'uint64',
]);

function convert(x: Dim, from: TensorType | undefined, to: TensorType): Dim {
  // A symbolic size is an integer: it survives casts between integer and float types.
  if (typeof x === 'string') return isIntegerType(from) && to !== 'bool' && NUMBER_TYPES.has(to) ? x : null;
  if (x === null) return null;
  if (to === 'bool') return x ? 1 : 0;
  if (isIntegerType(to)) return Number.isFinite(x) ? Math.trunc(x) : null;
  if (to === 'float32') return Math.fround(x);
  return to === 'float64' ? x : null;
}

function castTo(ctx: InferContext, to: TensorType | undefined): void {
  const v = ctx.value(0);
  const from = ctx.type(0);
  const value: ConstValue | undefined =
    v && to ? { dims: v.dims, values: v.values.map((x) => convert(x, from, to)) } : undefined;
  ctx.set(0, { elemType: to, shape: ctx.shape(0), value });
}

export const castConstantRules: Record<string, ShapeRule> = {
  Constant: constant,
  Cast: (ctx) => castTo(ctx, ctx.dtype('to')),
  CastLike: (ctx) => castTo(ctx, ctx.type(1)),
};
