// An optimizer pass: a name, the level it belongs to, and a rewrite of the model that says if it changed it.
import type { Model } from '../ir/types.js';
import type { GraphOptimizationLevel } from '../session-options.js';

export interface PassContext {
  what: string;
  /** Evaluates nodes whose inputs are all constants, with the engine's own kernels. */
  evaluate?: EvaluateConstants;
}

export type EvaluateConstants = (
  model: Model,
  nodes: import('../ir/types.js').Node[],
) => Map<string, import('../ir/types.js').TensorData>;

export interface Pass {
  name: string;
  level: Exclude<GraphOptimizationLevel, 'disabled'>;
  /** Returns true when the model changed. */
  run(model: Model, ctx: PassContext): boolean;
}
