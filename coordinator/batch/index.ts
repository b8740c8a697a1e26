// Batch jobs on the coordinator's side: shard a stored dataset into durable jobs, follow their results,
// assemble the outputs in input order.
export { BatchManager, type BatchManagerOptions } from './batch-manager.js';
