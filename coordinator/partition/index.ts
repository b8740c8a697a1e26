// The partition planner: cost model, cut search and stage models for pipeline-parallel serving.
export { modelCost, type ModelCost, type NodeCost, type CostOptions } from './cost.js';
export {
  partitionModel,
  type PartitionOptions,
  type PartitionPlan,
  type StagePlan,
  type CutInfo,
  type CutTensor,
} from './plan.js';
export { engineFusionGroups } from './fusions.js';
export { PartitionError, type PartitionErrorCode } from './errors.js';
export { defaultDim, DEFAULT_BATCH, DEFAULT_SEQUENCE, type DimValues } from './dims.js';
export { nodeFlops, type NodeShapes } from './op-flops.js';
