// Conv, ConvTranspose, ConvInteger, QLinearConv: [N, C, D1...] x [M, C/group, k1...] -> [N, M, O1...].
import type { TensorType } from '../../dtype.js';
import type { Dim } from '../../ir/types.js';
import type { InferContext, ShapeRule } from '../context.js';
import { formatShape, isKnown } from '../dims.js';
import { readWindow, transposedOutput, windowOutput } from './window.js';

function convRule(
  x: number,
  w: number,
  resultType: (ctx: InferContext) => TensorType | undefined,
): ShapeRule {
  return (ctx) => {
    const elemType = resultType(ctx);
    const input = ctx.shape(x);
    const weight = ctx.shape(w);
    const rank = input?.length ?? weight?.length;
    if (rank === undefined) return ctx.set(0, { elemType });
    if (rank < 3 || (input && weight && input.length !== weight.length)) {
      ctx.fail(`input ${formatShape(input)} and weight ${formatShape(weight)} do not form a convolution`);
    }
    const group = ctx.int('group', 1);
    const channels = input?.[1] ?? null;
    const perGroup = weight?.[1] ?? null;
    if (isKnown(channels) && isKnown(perGroup) && channels !== perGroup * group) {
      ctx.fail(
        `input has ${channels} channels but weight ${formatShape(weight)} with group ${group} expects ${perGroup * group}`,
      );
    }
    const spatial = rank - 2;
    const win = readWindow(ctx, spatial, weight?.slice(2));
    const out: Dim[] = [input?.[0] ?? null, weight?.[0] ?? null];
    for (let i = 0; i < spatial; i++)
      out.push(win ? windowOutput(ctx, win, i, input?.[i + 2] ?? null) : null);
    ctx.set(0, { elemType, shape: out });
  };
}

const convTranspose: ShapeRule = (ctx) => {
  const elemType = ctx.type(0);
  const input = ctx.shape(0);
  const weight = ctx.shape(1);
  const rank = input?.length ?? weight?.length;
  if (rank === undefined) return ctx.set(0, { elemType });
  const spatial = rank - 2;
  const group = ctx.int('group', 1);
  const m = weight?.[1];
  const out: Dim[] = [input?.[0] ?? null, isKnown(m) ? m * group : null];
  const explicit = ctx.ints('output_shape');
  const win = readWindow(ctx, spatial, weight?.slice(2));
  const outputPadding = ctx.ints('output_padding') ?? new Array<number>(spatial).fill(0);
  for (let i = 0; i < spatial; i++) {
    if (explicit) out.push(explicit[explicit.length - spatial + i]);
    else out.push(win ? transposedOutput(win, i, input?.[i + 2] ?? null, outputPadding[i] ?? 0) : null);
  }
  ctx.set(0, { elemType, shape: out });
};

export const convRules: Record<string, ShapeRule> = {
  Conv: convRule(0, 1, (ctx) => ctx.type(0)),
  ConvInteger: convRule(0, 1, () => 'int32'),
  QLinearConv: convRule(0, 3, (ctx) => ctx.type(7) ?? ctx.type(0)),
  ConvTranspose: convTranspose,
};
