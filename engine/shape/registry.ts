// The one table of shape rules, keyed by op type for ai.onnx and by "domain:OpType" for other domains.
// An op without a rule gets unknown outputs (or what the model declares for them).
import type { Node } from '../ir/types.js';
import type { ShapeRule } from './context.js';
import { attentionRules } from './rules/attention.js';
import { castConstantRules } from './rules/cast-constant.js';
import { controlFlowRules } from './rules/control-flow.js';
import { convRules } from './rules/conv.js';
import { elementwiseRules } from './rules/elementwise.js';
import { einsumRules } from './rules/einsum.js';
import { gatherRules } from './rules/gather.js';
import { layoutRules } from './rules/layout.js';
import { lossRules } from './rules/loss.js';
import { matmulRules } from './rules/matmul.js';
import { miscRules } from './rules/misc.js';
import { normRules } from './rules/norm.js';
import { poolRules } from './rules/pool.js';
import { quantizeRules } from './rules/quantize.js';
import { recurrentRules } from './rules/recurrent.js';
import { reduceRules } from './rules/reduce.js';
import { reshapeRules } from './rules/reshape.js';
import { resizeRules } from './rules/resize.js';
import { samplingRules } from './rules/sampling.js';
import { shapeSourceRules } from './rules/shape-source.js';
import { sliceRules } from './rules/slice.js';
import { splitRules } from './rules/split.js';
import { squeezeRules } from './rules/squeeze.js';

function buildTable(families: Record<string, ShapeRule>[]): ReadonlyMap<string, ShapeRule> {
  const table = new Map<string, ShapeRule>();
  for (const family of families) {
    for (const [key, rule] of Object.entries(family)) {
      if (table.has(key)) throw new Error(`shape rule for '${key}' is registered twice`);
      table.set(key, rule);
    }
  }
  return table;
}

export const shapeRules = buildTable([
  elementwiseRules,
  castConstantRules,
  shapeSourceRules,
  reshapeRules,
  squeezeRules,
  gatherRules,
  sliceRules,
  splitRules,
  layoutRules,
  convRules,
  poolRules,
  matmulRules,
  reduceRules,
  normRules,
  resizeRules,
  quantizeRules,
  miscRules,
  controlFlowRules,
  recurrentRules,
  attentionRules,
  einsumRules,
  samplingRules,
  lossRules,
]);

export function ruleFor(node: Pick<Node, 'domain' | 'opType'>): ShapeRule | undefined {
  return shapeRules.get(node.domain ? `${node.domain}:${node.opType}` : node.opType);
}
