// Reductions (axes as attribute, or as input from opset 13 for ReduceSum and 18 for the rest), keepdims,
// noop_with_empty_axes; ArgMax/ArgMin. A full reduction of a known small tensor is evaluated.
import type { Dim } from '../../ir/types.js';
import type { ConstValue } from '../const-value.js';
import type { InferContext, ShapeRule } from '../context.js';
import { normalizeAxis } from '../dims.js';

/** The reduced axes (normalized), 'all', or undefined when given but unknown. */
function reducedAxes(ctx: InferContext, rank: number): Set<number> | 'all' | undefined {
  const fromInput = ctx.node.opType === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
  const axes = fromInput ? (ctx.has(1) ? ctx.numbers(1) : []) : (ctx.ints('axes') ?? []);
  if (!axes) return undefined;
  if (axes.length === 0) return ctx.int('noop_with_empty_axes', 0) === 1 ? new Set() : 'all';
  return new Set(
    axes.map((a) => normalizeAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for rank ${rank}`)),
  );
}

const FOLD: Record<string, (xs: number[]) => number> = {
  ReduceSum: (xs) => xs.reduce((a, b) => a + b, 0),
  ReduceProd: (xs) => xs.reduce((a, b) => a * b, 1),
  ReduceMax: (xs) => Math.max(...xs),
  ReduceMin: (xs) => Math.min(...xs),
};

function foldAll(op: string, v: ConstValue | undefined, shape: number[]): ConstValue | undefined {
  const fn = FOLD[op];
  if (!fn || !v || v.values.length === 0 || !v.values.every((x) => typeof x === 'number')) return undefined;
  return { dims: shape, values: [fn(v.values as number[])] };
}

const reduce: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const elemType = ctx.type(0);
  if (!input) return ctx.set(0, { elemType });
  const keep = ctx.int('keepdims', 1) === 1;
  const axes = reducedAxes(ctx, input.length);
  if (axes === undefined) return ctx.set(0, { elemType, shape: keep ? input.map(() => null) : undefined });
  const reduced = (i: number) => axes === 'all' || axes.has(i);
  const shape: Dim[] = [];
  input.forEach((d, i) => {
    if (!reduced(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  const all = input.every((_, i) => reduced(i));
  ctx.set(0, {
    elemType,
    shape,
    value: all ? foldAll(ctx.node.opType, ctx.value(0), shape as number[]) : undefined,
  });
};

const argReduce: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  if (!input) return ctx.set(0, { elemType: 'int64' });
  const axis =
    normalizeAxis(ctx.int('axis', 0), input.length) ??
    ctx.fail(`axis ${ctx.int('axis', 0)} is out of range for ${ctx.describe(0)}`);
  const keep = ctx.int('keepdims', 1) === 1;
  const shape = keep ? input.map((d, i) => (i === axis ? 1 : d)) : input.filter((_, i) => i !== axis);
  ctx.set(0, { elemType: 'int64', shape });
};

const REDUCE = ['L1', 'L2', 'LogSum', 'LogSumExp', 'Max', 'Mean', 'Min', 'Prod', 'Sum', 'SumSquare'];

export const reduceRules: Record<string, ShapeRule> = {
  ...Object.fromEntries(REDUCE.map((r) => [`Reduce${r}`, reduce])),
  ArgMax: argReduce,
  ArgMin: argReduce,
};
