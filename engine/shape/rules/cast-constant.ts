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

// Integer targets whose conversion is exact for in-range values; anything else is left unknown.
const INT_RANGE: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

function convert(x: Dim, from: TensorType | undefined, to: TensorType): Dim {
  // A symbolic size is a non-negative integer: it survives casts to wide integer and float types.
  if (typeof x === 'string') {
    const wide = to === 'int64' || to === 'uint64' || to === 'float32' || to === 'float64';
    return isIntegerType(from) && wide ? x : null;
  }
  if (x === null) return null;
  if (to === 'bool') return x ? 1 : 0;
  if (to === 'float32') return Math.fround(x);
  if (to === 'float64') return x;
  const range = INT_RANGE[to];
  if (!range || !Number.isFinite(x)) return null;
  const n = Math.trunc(x);
  return n >= range[0] && n <= range[1] ? n : null;
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
