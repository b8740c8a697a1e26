// The worker node (DESIGN.md §4): NATS service, piscina pool, model cache, dynamic batcher.
export { WorkerNode } from './worker-node.js';
export { resolveWorkerOptions, type WorkerOptions } from './options.js';
