// Element-wise ops: unary (same type and shape), binary and variadic with numpy broadcasting, comparisons
// (bool results), Where. Arithmetic on small known tensors is evaluated so shape computations resolve.
import type { TensorType } from '../../dtype.js';
import type { Dim } from '../../ir/types.js';
import { isIntegerType } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { broadcastShapes } from '../dims.js';
import { asType, type ElementFn, foldBroadcast, numeric } from './fold.js';

/** Broadcast shape of inputs `indices`; undefined when any rank is unknown; throws on a proven mismatch. */
export function broadcastInputs(ctx: InferContext, indices: number[]): Dim[] | undefined {
  const shapes = indices.map((i) => ctx.shape(i));
  if (shapes.some((s) => s === undefined)) return undefined;
  const r = broadcastShapes(shapes as Dim[][]);
  if (typeof r === 'string') ctx.fail(`inputs do not broadcast: ${r}`);
  return r;
}

function broadcastRule(resultType: (ctx: InferContext) => TensorType | undefined, fn?: ElementFn): ShapeRule {
  return (ctx) => {
    const indices = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.has(i));
    const elemType = resultType(ctx);
    // Before opset 7 binary ops broadcast B into A only when asked (broadcast=1, optional axis); the result
    // always has A's shape.
    if (ctx.opset < 7 && indices.length === 2) {
      ctx.set(0, { elemType, shape: ctx.shape(0) });
      return;
    }
    const value =
      fn &&
      asType(
        foldBroadcast(
          indices.map((i) => ctx.value(i)),
          fn,
        ),
        elemType,
      );
    ctx.set(0, { elemType, shape: broadcastInputs(ctx, indices), value });
  };
}

const firstType = (ctx: InferContext) => ctx.type(0) ?? ctx.type(1);
const boolType = () => 'bool' as const;

function unary(fn?: (x: number) => number, resultType?: TensorType): ShapeRule {
  return (ctx) => {
    const v = ctx.value(0);
    const values = fn && v?.values.map((x) => (typeof x === 'number' ? fn(x) : null));
    const elemType = resultType ?? ctx.type(0);
    ctx.set(0, {
      elemType,
      shape: ctx.shape(0),
      value: asType(values && v && { dims: v.dims, values }, elemType),
    });
  };
}

// Symbolic identities (x + 0, x * 1, ...) keep a dimension name alive through shape arithmetic.
const add: ElementFn = ([a, b]) => (b === 0 ? a : a === 0 ? b : numeric((x, y) => x + y)([a, b]));
const sub: ElementFn = ([a, b]) => (b === 0 ? a : numeric((x, y) => x - y)([a, b]));
const mul: ElementFn = ([a, b]) =>
  b === 1 ? a : a === 1 ? b : a === 0 || b === 0 ? 0 : numeric((x, y) => x * y)([a, b]);

function div(integer: boolean): ElementFn {
  return ([a, b]) => {
    if (b === 1) return a;
    if (a !== null && a === b && typeof a === 'string') return 1;
    if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return null;
    return integer ? Math.trunc(a / b) : a / b;
  };
}

function compare(test: (x: number, y: number) => boolean, sameSymbol?: boolean): ElementFn {
  return ([a, b]) => {
    if (typeof a === 'number' && typeof b === 'number') return test(a, b) ? 1 : 0;
    if (sameSymbol !== undefined && a !== null && a === b) return sameSymbol ? 1 : 0;
    return null;
  };
}

const extreme =
  (pick: (...xs: number[]) => number): ElementFn =>
  (args) =>
    args.length === 1 ? args[0] : numeric(pick)(args);

const where: ElementFn = ([c, x, y]) =>
  c === null || typeof c === 'string' ? (x === y ? x : null) : c ? x : y;

const arith = (fn?: ElementFn) => broadcastRule(firstType, fn);

const dropout: ShapeRule = (ctx) => {
  // Only inference-mode Dropout (no training_mode input, or a known false one) is the identity.
  const identity = !ctx.has(2) || ctx.value(2)?.values[0] === 0;
  ctx.set(0, { elemType: ctx.type(0), shape: ctx.shape(0), value: identity ? ctx.value(0) : undefined });
  ctx.set(1, { elemType: 'bool', shape: ctx.shape(0) });
};

const UNARY = (
  'Acos Acosh Asin Asinh Atan Atanh BitwiseNot Celu Clip Cos Cosh CumProd CumSum Elu Erf Exp Gelu ' +
  'HardSigmoid HardSwish LeakyRelu Log Mish Reciprocal ReverseSequence Selu Shrink Sigmoid Sin Sinh ' +
  'Softplus Softsign Sqrt Swish Tan Tanh ThresholdedRelu Trilu'
).split(' ');

export const elementwiseRules: Record<string, ShapeRule> = {
  ...Object.fromEntries(UNARY.map((op) => [op, unary()])),
  Identity: (ctx) => ctx.set(0, ctx.input(0)),
  Neg: unary((x) => -x),
  Abs: unary(Math.abs),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Round: unary((x) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x))), // half to even
  Relu: unary((x) => Math.max(x, 0)),
  Sign: unary(Math.sign),
  Not: unary((x) => (x ? 0 : 1), 'bool'),
  IsNaN: unary(undefined, 'bool'),
  IsInf: unary(undefined, 'bool'),
  Dropout: dropout,
  Add: arith(add),
  Sub: arith(sub),
  Mul: arith(mul),
  Div: (ctx) => broadcastRule(firstType, div(isIntegerType(firstType(ctx))))(ctx),
  Pow: broadcastRule((ctx) => ctx.type(0)),
  Mod: arith(),
  BitShift: arith(),
  BitwiseAnd: arith(),
  BitwiseOr: arith(),
  BitwiseXor: arith(),
  PRelu: (ctx) => {
    // The slope broadcasts to X (before opset 7 it may also be per channel): the result has X's shape.
    if (ctx.opset >= 7) broadcastInputs(ctx, [0, 1]);
    ctx.set(0, { elemType: ctx.type(0), shape: ctx.shape(0) });
  },
  Max: arith(extreme(Math.max)),
  Min: arith(extreme(Math.min)),
  Sum: arith(),
  Mean: arith(),
  Equal: broadcastRule(
    boolType,
    compare((x, y) => x === y, true),
  ),
  Less: broadcastRule(
    boolType,
    compare((x, y) => x < y, false),
  ),
  LessOrEqual: broadcastRule(
    boolType,
    compare((x, y) => x <= y, true),
  ),
  Greater: broadcastRule(
    boolType,
    compare((x, y) => x > y, false),
  ),
  GreaterOrEqual: broadcastRule(
    boolType,
    compare((x, y) => x >= y, true),
  ),
  And: broadcastRule(
    boolType,
    numeric((x, y) => (x && y ? 1 : 0)),
  ),
  Or: broadcastRule(
    boolType,
    numeric((x, y) => (x || y ? 1 : 0)),
  ),
  Xor: broadcastRule(
    boolType,
    numeric((x, y) => (!x !== !y ? 1 : 0)),
  ),
  Where: broadcastRule((ctx) => ctx.type(1) ?? ctx.type(2), where),
};
