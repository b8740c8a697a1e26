// Which original nodes the engine's optimizer fuses, so the planner can keep each fusion inside one stage.
// A cut through a fusion (say between the Add and the LayerNorm that SkipLayerNormalization would join) makes
// the stage workers run different kernels from the unsplit model and changes rounding; with every fusion kept
// whole, a split model gives bitwise the outputs of the unsplit one at the same optimization level.
import { InferenceSession } from '../../engine/index.js';
import type { SessionOptions } from '../../engine/session-options.js';

/**
 * Groups of original node names that one fused node replaced, when `model` is loaded with `options` (use the
 * stage workers' session options; default graphOptimizationLevel 'all'). Loads the model once in this process.
 */
export async function engineFusionGroups(
  model: Uint8Array,
  options: SessionOptions = { graphOptimizationLevel: 'all' },
): Promise<string[][]> {
  const session = await InferenceSession.create(model, options);
  try {
    return session.planNodes
      .filter((n) => (n.fusedFrom?.length ?? 0) > 1)
      .map((n) => [...(n.fusedFrom ?? [])]);
  } finally {
    await session.release();
  }
}
