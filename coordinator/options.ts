// Coordinator settings and defaults.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectOptions } from '../client/connection.js';

export interface CoordinatorOptions {
  connection: ConnectOptions;
  /** How often placement is recomputed (it also reacts to changes at once). */
  intervalMs: number;
  /** A worker whose last heartbeat is older than this is dead and its models are placed elsewhere. */
  deadAfterMs: number;
  /** Where the coordinator caches model files it analyses and splits. */
  cacheDir: string;
  /** Symbolic dims for the cost model (e.g. batch=1, sequence=128). */
  dims: Record<string, number>;
  /** Serve batch jobs (shard, track, assemble). */
  batches: boolean;
  /** How long a batch stays claimed by a coordinator that stopped renewing it (a SIGKILLed one). */
  batchLeaseMs: number;
}

export function resolveCoordinatorOptions(o: Partial<CoordinatorOptions> = {}): CoordinatorOptions {
  return {
    connection: o.connection ?? {},
    intervalMs: o.intervalMs ?? 1000,
    deadAfterMs: o.deadAfterMs ?? 6000,
    cacheDir:
      o.cacheDir ?? process.env.ONNXFLEET_CACHE_DIR ?? join(homedir(), '.cache', 'onnxfleet', 'models'),
    dims: o.dims ?? {},
    batches: o.batches ?? true,
    batchLeaseMs: o.batchLeaseMs ?? 10_000,
  };
}
