// The optimizer: passes grouped in levels named like onnxruntime's, applied until nothing changes.
import type { Model } from '../ir/types.js';
import type { GraphOptimizationLevel } from '../session-options.js';
import type { Pass, PassContext } from './pass.js';
import { constantToInitializer } from './passes/constant-to-initializer.js';
import { eliminateDeadNodes } from './passes/eliminate-dead-nodes.js';
import { eliminateIdentity } from './passes/eliminate-identity.js';
import { foldConstants } from './passes/fold-constants.js';

/** Every pass, in the order they run within one sweep. */
export const PASSES: readonly Pass[] = [
  constantToInitializer,
  eliminateIdentity,
  foldConstants,
  eliminateDeadNodes,
];

const RANK: Record<GraphOptimizationLevel, number> = { disabled: 0, basic: 1, extended: 2, all: 3 };

export interface OptimizeOptions {
  level: GraphOptimizationLevel;
  disabled?: readonly string[];
  /** Called after each pass that changed the model (for DEBUG output and tests). */
  onPass?: (name: string, model: Model) => void;
}

export function optimize(model: Model, options: OptimizeOptions, ctx: PassContext): Model {
  const passes = PASSES.filter(
    (p) => RANK[p.level] <= RANK[options.level] && !options.disabled?.includes(p.name),
  );
  for (let sweep = 0; sweep < 8; sweep++) {
    let changed = false;
    for (const p of passes) {
      if (p.run(model, ctx)) {
        changed = true;
        options.onPass?.(p.name, model);
      }
    }
    if (!changed) break;
  }
  return model;
}
