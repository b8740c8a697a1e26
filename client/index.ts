// The client SDK's public API: `connect()` and the FleetClient, their option and result types, and the
// typed errors every call may throw.
export { connect, FleetClient } from './client.js';
export { FleetConnection, defaultServers, type ConnectOptions } from './connection.js';
export { DEFAULT_INFER_TIMEOUT_MS, type InferOptions, type InferInfo, type InferReply } from './infer.js';
export type {
  BatchItemOutcome,
  BatchItems,
  BatchState,
  BatchStatus,
  SubmitBatchOptions,
  WatchBatchOptions,
} from './batch.js';
export type { JobEvent, JobOutcome, JobState, SubmitJobOptions, WatchJobOptions } from './jobs.js';
export type { PushOptions } from './models.js';
export type { WorkerEndpoint, WorkerModelStats, WorkersOptions, WorkerSummary } from './workers.js';
export type { ModelRef } from '../protocol/index.js';
export {
  FleetError,
  ModelNotFoundError,
  BadInputError,
  PayloadTooLargeError,
  DeadlineExceededError,
  OverloadedError,
  InternalError,
  BadMessageError,
  UnavailableError,
  CancelledError,
  JobNotFoundError,
  type ErrorCode,
} from '../protocol/index.js';
export { Tensor } from '../engine/tensor.js';
