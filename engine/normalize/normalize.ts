// Normalize: the model as the planner wants it. Inlines model-local functions, applies
// freeDimensionOverrides to the declared input shapes, and infers static types and shapes.
import type { Model } from '../ir/types.js';
import { writeInferredShapes } from '../shape/index.js';
import { inlineFunctions } from './inline-functions.js';

export interface NormalizeContext {
  what: string;
  freeDimensionOverrides?: Record<string, number>;
}

export function normalizeModel(model: Model, ctx: NormalizeContext): Model {
  inlineFunctions(model, ctx.what);
  const overrides = ctx.freeDimensionOverrides ?? {};
  if (Object.keys(overrides).length) {
    for (const input of model.graph.inputs) {
      if (input.type?.kind !== 'tensor' || !input.type.shape) continue;
      input.type.shape = input.type.shape.map((d) =>
        typeof d === 'string' && d in overrides ? overrides[d] : d,
      );
    }
  }
  writeInferredShapes(model);
  return model;
}
