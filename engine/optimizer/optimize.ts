// The optimizer: passes grouped in levels named like onnxruntime's, applied until nothing changes.
// basic: rewrites into standard ops that keep semantics; extended: fusions into contrib (com.microsoft) ops
// or newer standard ops; all: layout-dependent rewrites (channels-last convolutions), run once the others
// have converged.
import type { Model } from '../ir/types.js';
import type { GraphOptimizationLevel } from '../session-options.js';
import type { Pass, PassContext } from './pass.js';
import { printGraph } from './print.js';
import { collapseReshapeChains } from './passes/collapse-reshape-chains.js';
import { constantToInitializer } from './passes/constant-to-initializer.js';
import { eliminateCommonSubexpressions } from './passes/eliminate-common-subexpressions.js';
import { eliminateDeadNodes } from './passes/eliminate-dead-nodes.js';
import { eliminateIdentity } from './passes/eliminate-identity.js';
import { foldConstants } from './passes/fold-constants.js';
import { foldConvBatchNorm } from './passes/fold-conv-batchnorm.js';
import { foldShapeOps } from './passes/fold-shape-ops.js';
import { foldTransposeIntoGemm, foldTransposeIntoMatMul } from './passes/fold-transpose-matmul.js';
import { fuseAttention } from './passes/fuse-attention.js';
import { fuseBiasGelu } from './passes/fuse-bias-gelu.js';
import { fuseConvActivation } from './passes/fuse-conv-activation.js';
import { fuseGelu } from './passes/fuse-gelu.js';
import { fuseLayerNorm } from './passes/fuse-layer-norm.js';
import { fuseMatMulAdd } from './passes/fuse-matmul-add.js';
import { fuseSilu } from './passes/fuse-silu.js';
import { fuseSkipLayerNorm } from './passes/fuse-skip-layer-norm.js';
import { nhwcLayout } from './passes/nhwc-layout.js';

/** Every pass, in the order they run within one sweep. */
export const PASSES: readonly Pass[] = [
  constantToInitializer,
  eliminateIdentity,
  foldShapeOps,
  foldConstants,
  eliminateCommonSubexpressions,
  collapseReshapeChains,
  foldConvBatchNorm,
  fuseMatMulAdd,
  foldTransposeIntoGemm,
  fuseGelu,
  fuseBiasGelu,
  fuseLayerNorm,
  fuseSkipLayerNorm,
  fuseAttention,
  fuseSilu,
  fuseConvActivation,
  foldTransposeIntoMatMul,
  eliminateDeadNodes,
  nhwcLayout,
];

const RANK: Record<GraphOptimizationLevel, number> = { disabled: 0, basic: 1, extended: 2, all: 3 };

export interface OptimizeOptions {
  level: GraphOptimizationLevel;
  disabled?: readonly string[];
  /** Called after each pass that changed the model (for DEBUG output and tests). */
  onPass?: (name: string, model: Model) => void;
  /** Receives the graph as text before the first pass and after each pass that changed it. */
  print?: (text: string) => void;
}

export function optimize(model: Model, options: OptimizeOptions, ctx: PassContext): Model {
  const passes = PASSES.filter(
    (p) => RANK[p.level] <= RANK[options.level] && !options.disabled?.includes(p.name),
  );
  options.print?.(`== before optimizing\n${printGraph(model.graph)}`);
  const apply = (p: Pass) => {
    if (!p.run(model, ctx)) return false;
    options.onPass?.(p.name, model);
    options.print?.(`== after ${p.name}\n${printGraph(model.graph)}`);
    return true;
  };
  const sweeps = (list: readonly Pass[]) => {
    for (let sweep = 0; sweep < 8; sweep++) if (!list.map(apply).some(Boolean)) break;
  };
  const repeated = passes.filter((p) => !p.last);
  sweeps(repeated);
  if (
    passes
      .filter((p) => p.last)
      .map(apply)
      .some(Boolean)
  )
    sweeps(repeated);
  return model;
}
