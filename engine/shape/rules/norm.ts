// Softmax family and normalizations: the main output keeps the input's shape; statistics outputs have the
// shape of the normalized-over part.
import type { Dim } from '../../ir/types.js';
import type { ShapeRule } from '../context.js';
import { normalizeAxis } from '../dims.js';

const sameAsInput: ShapeRule = (ctx) => ctx.set(0, { elemType: ctx.type(0), shape: ctx.shape(0) });

const batchNorm: ShapeRule = (ctx) => {
  sameAsInput(ctx);
  // Training outputs: running (or saved) mean and variance, one per channel.
  const channels: Dim[] = [ctx.shape(1)?.[0] ?? ctx.shape(0)?.[1] ?? null];
  for (let k = 1; k < ctx.node.outputs.length; k++)
    ctx.set(k, { elemType: ctx.type(3) ?? ctx.type(0), shape: channels });
};

const layerNorm: ShapeRule = (ctx) => {
  sameAsInput(ctx);
  const input = ctx.shape(0);
  const stash = ctx.dtype('stash_type') ?? 'float32';
  if (!input) return [1, 2].forEach((k) => ctx.set(k, { elemType: stash }));
  const axis =
    normalizeAxis(ctx.int('axis', -1), input.length) ??
    ctx.fail(`axis ${ctx.int('axis', -1)} is out of range for ${ctx.describe(0)}`);
  const stats = input.map((d, i) => (i < axis ? d : 1));
  ctx.set(1, { elemType: stash, shape: stats });
  ctx.set(2, { elemType: stash, shape: stats });
};

export const normRules: Record<string, ShapeRule> = {
  Softmax: sameAsInput,
  LogSoftmax: sameAsInput,
  Hardmax: sameAsInput,
  BatchNormalization: batchNorm,
  InstanceNormalization: sameAsInput,
  LayerNormalization: layerNorm,
  GroupNormalization: sameAsInput,
  LpNormalization: sameAsInput,
  MeanVarianceNormalization: sameAsInput,
  LRN: sameAsInput,
  RMSNormalization: sameAsInput,
};
