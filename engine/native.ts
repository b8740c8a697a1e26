// Loads the native addon once per thread and explains what went wrong when it cannot.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeLoadError } from './errors.js';
import type { NativePlan, NativeTensor } from './plan/native-plan.js';

export type ModelHandle = { readonly __brand: 'ModelHandle' };

export interface NativeValue extends Partial<NativeTensor> {
  sequence?: NativeTensor[];
  elemType?: number;
}

export interface NativeRunResult {
  outputs: (NativeTensorOut | { sequence: NativeTensorOut[]; elemType: number } | null)[];
  arenaPeakBytes: number;
  timings?: Float64Array; // [nodeIndex, startNs, endNs] per executed node
}

export interface NativeTensorOut {
  dtype: number;
  dims: number[];
  data: ArrayBuffer | string[];
}

export interface NativeAddon {
  compile(
    plan: NativePlan,
    key: string,
    metadata: string,
    options: { threads: number; provider: string },
  ): ModelHandle;
  lookup(key: string): { handle: ModelHandle; metadata: string } | null;
  run(
    handle: ModelHandle,
    feeds: (NativeValue | null)[],
    options: { threads: number; profile: boolean },
  ): Promise<NativeRunResult>;
  runSync(
    handle: ModelHandle,
    feeds: (NativeValue | null)[],
    options: { threads: number; profile: boolean },
  ): NativeRunResult;
  release(handle: ModelHandle): void;
  modelInfo(handle: ModelHandle): { weightBytes: number; key: string; shareCount: number };
  kernels(): { domain: string; opType: string; sinceVersion: number; provider: string }[];
  stats(): { models: number; maxThreads: number };
}

let addon: NativeAddon | undefined;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/**
 * libgomp reads its settings once, when the addon (which links it) is loaded. By default its idle threads spin
 * for a long time after each parallel region, which is fastest on an idle machine but starves everything else
 * on a busy one (bert_small 2.3-4.7x onnxruntime's latency under load, 1.25x with a short spin; a worker's
 * NATS thread stalled). A short spin keeps most of the idle-machine speed. The user's own settings win.
 */
function tuneOpenMp(): void {
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.GOMP_SPINCOUNT ??= '10000';
}

export function native(): NativeAddon {
  if (addon) return addon;
  tuneOpenMp();
  const root = packageRoot();
  const candidates = [
    process.env.ONNXFLEET_NATIVE,
    join(root, 'native', 'build', 'Release', 'onnxfleet.node'),
    join(root, 'native', 'build', 'Debug', 'onnxfleet.node'),
  ].filter((p): p is string => Boolean(p));
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      failures.push(`${path}: not found`);
      continue;
    }
    try {
      addon = require(path) as NativeAddon;
      return addon;
    } catch (e) {
      failures.push(`${path}: ${(e as Error).message}`);
    }
  }
  throw new NativeLoadError(
    [
      'onnxfleet: the native engine could not be loaded. Tried:',
      ...failures.map((f) => `  - ${f}`),
      'Fix: build it with `npm run build` (needs g++, make, python3 and `apt-get install -y libdnnl-dev`),',
      'or point ONNXFLEET_NATIVE at a built onnxfleet.node.',
    ].join('\n'),
  );
}
