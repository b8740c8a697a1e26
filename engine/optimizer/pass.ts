// An optimizer pass: a name, the level it belongs to, and a rewrite of the model that says if it changed it.
import type { Model, Node, TensorData } from '../ir/types.js';
import type { GraphOptimizationLevel } from '../session-options.js';

export interface PassContext {
  what: string;
  /** Evaluates nodes whose inputs are all constants, with the engine's own kernels. */
  evaluate?: EvaluateConstants;
  /**
   * Whether the session's provider has a kernel for (domain, opType) at that opset version. Fusions into
   * contrib ops ask this before emitting one; without it they stay off.
   */
  hasKernel?: KernelQuery;
}

export type EvaluateConstants = (model: Model, nodes: Node[]) => Map<string, TensorData>;

export type KernelQuery = (domain: string, opType: string, opset: number) => boolean;

export interface Pass {
  name: string;
  level: Exclude<GraphOptimizationLevel, 'disabled'>;
  /**
   * Runs once, after every other pass has stopped changing the model (layout rewrites, which replace the ops
   * that fusions anchor on), followed by one more sweep of the others.
   */
  last?: boolean;
  /** Returns true when the model changed. */
  run(model: Model, ctx: PassContext): boolean;
}
