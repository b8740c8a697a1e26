// Session and run options. Names follow onnxruntime-node where the meaning is the same.
import { availableParallelism } from 'node:os';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';
export type ExecutionProvider = 'cpu' | 'reference' | 'cuda' | 'openvino' | 'dml' | { name: string };

export interface SessionOptions {
  executionProviders?: ExecutionProvider[];
  /** Threads one run may use inside native kernels. Default: all available cores. */
  intraOpNumThreads?: number;
  /** Accepted for compatibility; onnxfleet runs one graph node at a time. */
  interOpNumThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** 0 verbose, 1 info, 2 warning (default), 3 error, 4 fatal. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  logId?: string;
  enableProfiling?: boolean;
  profileFilePrefix?: string;
  optimizedModelFilePath?: string;
  freeDimensionOverrides?: Record<string, number>;
  executionMode?: 'sequential' | 'parallel';
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  /** Optimizer passes to skip, by name (see engine/optimizer/optimize.ts). */
  disabledOptimizers?: string[];
}

export interface RunOptions {
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  tag?: string;
  /** Record per-node start/end times for this run (for spans and profiles). */
  profile?: boolean;
  /**
   * Run on the calling thread instead of a libuv pool thread. For worker threads that do nothing else (a
   * piscina pool): no thread hop, and no limit from the libuv pool's size (UV_THREADPOOL_SIZE, 4 by default)
   * on how many runs proceed at once. Never use it on a thread whose event loop must stay responsive.
   */
  blocking?: boolean;
}

export interface ResolvedOptions {
  providers: string[];
  threads: number;
  level: GraphOptimizationLevel;
  logSeverityLevel: number;
  enableProfiling: boolean;
  profileFilePrefix: string;
  freeDimensionOverrides: Record<string, number>;
  disabledOptimizers: string[];
  optimizedModelFilePath?: string;
}

const LEVELS: GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

export function resolveOptions(o: SessionOptions = {}): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError('session options must be an object');
  const threads = o.intraOpNumThreads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RangeError(`intraOpNumThreads must be a non-negative integer, got ${threads}`);
  }
  const level = o.graphOptimizationLevel ?? 'all';
  if (!LEVELS.includes(level)) {
    throw new RangeError(`graphOptimizationLevel must be one of ${LEVELS.join(', ')}, got '${level}'`);
  }
  const providers = (o.executionProviders ?? ['cpu']).map((p) =>
    (typeof p === 'string' ? p : p.name).toLowerCase(),
  );
  return {
    providers,
    threads: threads === 0 ? availableParallelism() : threads,
    level,
    logSeverityLevel: o.logSeverityLevel ?? 2,
    enableProfiling: o.enableProfiling ?? false,
    profileFilePrefix: o.profileFilePrefix ?? 'onnxfleet_profile',
    freeDimensionOverrides: o.freeDimensionOverrides ?? {},
    disabledOptimizers: o.disabledOptimizers ?? [],
    optimizedModelFilePath: o.optimizedModelFilePath,
  };
}
