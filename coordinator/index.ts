// The control plane (DESIGN.md §4).
export { Coordinator } from './coordinator.js';
export { resolveCoordinatorOptions, type CoordinatorOptions } from './options.js';
export { decidePlacement, type ModelRecord, type StagePlan } from './placement-policy.js';
