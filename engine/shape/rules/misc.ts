// Ops with data-dependent or multi-output shapes: TopK, NonZero, OneHot, NonMaxSuppression, Unique, and If
// (whose outputs are what both branches declare).
import type { Dim, Graph, ValueType } from '../../ir/types.js';
import type { TensorInfo, ShapeRule } from '../context.js';
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

const nonZero: ShapeRule = (ctx) => ctx.set(0, { elemType: 'int64', shape: [ctx.rank(0) ?? null, null] });

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

function fromDeclared(t: ValueType | undefined): TensorInfo {
  return t?.kind === 'tensor' ? { elemType: t.elemType, shape: t.shape } : {};
}

/** Per-dim agreement of the two branches: equal dims stay, different ones become unknown. */
function agree(a: TensorInfo, b: TensorInfo): TensorInfo {
  const elemType = a.elemType ?? b.elemType;
  if (!a.shape || !b.shape || a.shape.length !== b.shape.length) return { elemType };
  return { elemType, shape: a.shape.map((d, i) => (d !== null && d === b.shape![i] ? d : null)) };
}

const ifOp: ShapeRule = (ctx) => {
  const branch = (name: string): Graph | undefined => {
    const a = ctx.attr(name);
    return a?.type === 'g' ? a.value : undefined;
  };
  const [then, otherwise] = [branch('then_branch'), branch('else_branch')];
  ctx.node.outputs.forEach((_, k) => {
    ctx.set(k, agree(fromDeclared(then?.outputs[k]?.type), fromDeclared(otherwise?.outputs[k]?.type)));
  });
};

export const miscRules: Record<string, ShapeRule> = {
  TopK: topK,
  NonZero: nonZero,
  OneHot: oneHot,
  NonMaxSuppression: nonMaxSuppression,
  Unique: unique,
  If: ifOp,
};
