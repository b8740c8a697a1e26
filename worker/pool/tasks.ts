// What crosses between the worker's main thread and its pool threads (structured clone; inputs transferred).
import type { TensorType } from '../../engine/dtype.js';
import type { RunProfile } from '../../engine/index.js';
import type { TensorData } from '../../engine/tensor.js';

/** BroadcastChannel on which the main thread names models (by key) that pool threads should close. */
export const RELEASE_CHANNEL = 'onnxfleet-pool-release';

export interface PoolTensor {
  name: string;
  type: TensorType;
  dims: number[];
  data: TensorData;
}

export interface RunTask {
  /** Registry identity of the model (its sha256); every thread's session for it shares one compiled model. */
  modelKey: string;
  path: string;
  intraOpThreads: number;
  inputs: PoolTensor[];
  /** Output names wanted; empty: all. */
  outputs: string[];
  /** Only open the session (warm-up at model load). */
  openOnly?: boolean;
  /** Record per-node timings of this run (only when its `session.run` span is sampled). */
  profile?: boolean;
}

export interface RunResult {
  outputs: PoolTensor[];
  runMs: number;
  /** Which pool thread ran it (for stats). */
  threadId: number;
  /** This run's per-node timings, when the task asked for them. */
  profile?: RunProfile;
  /** The thread's wall clock minus its performance clock (µs) when the run started: places the profile. */
  wallOffsetUs?: number;
}
