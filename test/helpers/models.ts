// The benchmark models in ../shared/models (or $ONNXFLEET_MODELS) and seeded inputs for them.
// Runtime-neutral: inputs are plain { type, data, dims } records that both our Tensor and onnxruntime's take.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32, normal, seedOf } from './prng.js';

export const MODEL_NAMES = [
  'resnet18',
  'mobilenet_v2',
  'efficientnet_b0',
  'squeezenet1_1',
  'bert_small',
] as const;

/** Token ids are drawn from [0, vocab); the manifest's note names the vocabulary size (8192 for bert_small). */
const DEFAULT_VOCAB = 8192;

export interface ModelInput {
  name: string;
  dtype: 'float32' | 'int64';
  /** Shape at batch 1, as the manifest gives it; dimension 0 is the (dynamic) batch. */
  shape: number[];
}

export interface ModelInfo {
  name: string;
  path: string;
  opset: number;
  kind: string;
  inputs: ModelInput[];
  vocab: number;
  /** onnxruntime-node 1.30, batch 1, 2 threads, as the manifest's author saw it once (for orientation only). */
  ortMsSeenOnce?: number;
}

export type InputData = Float32Array | BigInt64Array;

export interface InputSpec {
  type: 'float32' | 'int64';
  data: InputData;
  dims: number[];
}

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** The models folder: $ONNXFLEET_MODELS, else ../shared/models beside the repository. */
export function modelsDir(): string {
  return process.env.ONNXFLEET_MODELS
    ? resolve(process.env.ONNXFLEET_MODELS)
    : resolve(REPO_ROOT, '..', 'shared', 'models');
}

/** Why the benchmark models cannot be used here, or undefined when they can. */
export function modelsUnavailable(dir = modelsDir()): string | undefined {
  if (!existsSync(join(dir, 'manifest.json'))) {
    return `benchmark models not found at ${dir} (set ONNXFLEET_MODELS to a folder with manifest.json)`;
  }
  return undefined;
}

interface ManifestEntry {
  file: string;
  opset: number;
  kind: string;
  inputs: Record<string, number[]>;
  input_types: Record<string, string>;
  note?: string;
  onnxruntime_node_1_30_batch1_2threads_median_ms_seen_once?: number;
}

export function loadModels(dir = modelsDir()): ModelInfo[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestEntry
  >;
  return Object.entries(manifest).map(([name, e]) => {
    const vocab = Number(/vocab (\d+)/.exec(e.note ?? '')?.[1] ?? DEFAULT_VOCAB);
    const inputs = Object.entries(e.inputs).map(([input, shape]) => {
      const dtype = e.input_types[input];
      if (dtype !== 'float32' && dtype !== 'int64') {
        throw new Error(`manifest: ${name}.${input} has type ${dtype}; only float32 and int64 are generated`);
      }
      return { name: input, dtype, shape } as ModelInput;
    });
    return {
      name,
      path: join(dir, e.file),
      opset: e.opset,
      kind: e.kind,
      inputs,
      vocab,
      ortMsSeenOnce: e.onnxruntime_node_1_30_batch1_2threads_median_ms_seen_once,
    };
  });
}

export function findModel(name: string, dir = modelsDir()): ModelInfo {
  const m = loadModels(dir).find((x) => x.name === name);
  if (!m) throw new Error(`model '${name}' is not in ${join(dir, 'manifest.json')}`);
  return m;
}

/**
 * Seeded inputs for one model at a batch size: float32 ~ N(0, 1); int64 token ids uniform in [0, vocab);
 * an input named like a mask is all ones. The same (model, batch, seed) always gives the same bytes.
 */
export function makeInputs(model: ModelInfo, batch: number, seed = 1): Record<string, InputSpec> {
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const out: Record<string, InputSpec> = {};
  for (const input of model.inputs) {
    const dims = [batch, ...input.shape.slice(1)];
    const size = dims.reduce((a, b) => a * b, 1);
    const rand = mulberry32(seedOf(`${model.name}/${input.name}/${seed}`));
    if (input.dtype === 'float32') {
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = normal(rand);
      out[input.name] = { type: 'float32', data, dims };
    } else if (/mask/i.test(input.name)) {
      out[input.name] = { type: 'int64', data: new BigInt64Array(size).fill(1n), dims };
    } else {
      const data = new BigInt64Array(size);
      for (let i = 0; i < size; i++) data[i] = BigInt(Math.floor(rand() * model.vocab));
      out[input.name] = { type: 'int64', data, dims };
    }
  }
  return out;
}
