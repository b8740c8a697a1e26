// InferenceSession: load, optimize, plan and compile a model once; run it with one native call per run.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { typeCode, typeName, viewAs } from './dtype.js';
import { ModelLoadError, RuntimeError, UnsupportedError } from './errors.js';
import type { Dim, Model, ValueType } from './ir/types.js';
import { native, type ModelHandle, type NativeTensorOut, type NativeValue } from './native.js';
import { decodeModel } from './onnx/decode.js';
import { encodeModel } from './onnx/encode.js';
import { normalizeModel } from './normalize/normalize.js';
import { constantEvaluator } from './optimizer/evaluate.js';
import { kernelQuery } from './optimizer/kernels.js';
import { optimize } from './optimizer/optimize.js';
import { buildPlan } from './plan/build-plan.js';
import { describePlanNodes, type PlanNodeInfo } from './plan/plan-nodes.js';
import { decodeTimings, type RunProfile, writeChromeTrace } from './profile/profiler.js';
import { chooseProvider } from './providers.js';
import {
  type ResolvedOptions,
  resolveOptions,
  type RunOptions,
  type SessionOptions,
} from './session-options.js';
import { Tensor } from './tensor.js';

export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: Dim[];
}

/** What a compiled model remembers about itself (stored beside it in the native registry). */
interface ModelMetadata {
  inputs: ValueMetadata[];
  outputs: ValueMetadata[];
  nodes: PlanNodeInfo[];
  provider: string;
  source?: string;
}

export type FeedValue = Tensor | Tensor[] | null;
export type FetchValue = Tensor | Tensor[] | null;

function metadataOf(name: string, t: ValueType | undefined): ValueMetadata {
  if (t?.kind === 'tensor') return { name, isTensor: true, type: t.elemType, shape: t.shape ?? [] };
  return { name, isTensor: false, type: t?.kind };
}

export class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  private handle: ModelHandle | undefined;
  private readonly meta: ModelMetadata;
  private readonly options: ResolvedOptions;
  private readonly profiles: RunProfile[] = [];
  private readonly source: string;
  /** Per-node timings of the last run that recorded them (enableProfiling or RunOptions.profile). */
  lastRunProfile: RunProfile | undefined;

  private constructor(handle: ModelHandle, meta: ModelMetadata, options: ResolvedOptions) {
    this.handle = handle;
    this.meta = meta;
    this.options = options;
    this.source = meta.source ?? 'model';
    this.inputMetadata = meta.inputs;
    this.outputMetadata = meta.outputs;
    this.inputNames = meta.inputs.map((i) => i.name);
    this.outputNames = meta.outputs.map((o) => o.name);
  }

  static async create(
    model: string | Uint8Array | ArrayBuffer,
    options: SessionOptions = {},
  ): Promise<InferenceSession> {
    const resolved = resolveOptions(options);
    const { provider } = chooseProvider(resolved.providers);
    const compileKey = JSON.stringify({
      provider,
      level: resolved.level,
      dims: resolved.freeDimensionOverrides,
      off: resolved.disabledOptimizers,
    });
    if (typeof model === 'string' && !resolved.optimizedModelFilePath) {
      // A file already compiled in this process (by any thread) is reused without reading it again.
      const hit = await InferenceSession.lookupFile(model, compileKey);
      if (hit) return new InferenceSession(hit.handle, JSON.parse(hit.metadata) as ModelMetadata, resolved);
    }
    let bytes: Uint8Array;
    let baseDir: string | undefined;
    let source: string | undefined;
    if (typeof model === 'string') {
      const path = resolve(model);
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw new ModelLoadError(`cannot read model file '${model}': ${(e as Error).message}`, { cause: e });
      }
      baseDir = dirname(path);
      source = basename(path);
    } else if (model instanceof Uint8Array) {
      bytes = model;
    } else if (model instanceof ArrayBuffer) {
      bytes = new Uint8Array(model);
    } else {
      throw new TypeError('InferenceSession.create takes a file path, a Uint8Array or an ArrayBuffer');
    }
    const key =
      typeof model === 'string'
        ? await InferenceSession.fileKey(model, compileKey)
        : createHash('sha256').update(bytes).update(compileKey).digest('hex');
    return InferenceSession.fromBytes(bytes, key, provider, resolved, { baseDir, source });
  }

  // The registry key covers everything that changes the compiled model, so equal keys may share weights.
  private static async fileKey(path: string, compileKey: string): Promise<string> {
    const real = await realpath(path);
    const st = await stat(real);
    return createHash('sha256')
      .update(`file:${real}:${st.size}:${st.mtimeMs}:${st.ino}`)
      .update(compileKey)
      .digest('hex');
  }

  private static async lookupFile(path: string, compileKey: string) {
    try {
      return native().lookup(await InferenceSession.fileKey(path, compileKey));
    } catch {
      return null; // unreadable path: the normal load reports it
    }
  }

  private static fromBytes(
    bytes: Uint8Array,
    key: string,
    provider: string,
    options: ResolvedOptions,
    where: { baseDir?: string; source?: string },
  ) {
    const addon = native();
    const hit = addon.lookup(key);
    const reuse = () =>
      new InferenceSession(hit!.handle, JSON.parse(hit!.metadata) as ModelMetadata, options);
    if (hit && !options.optimizedModelFilePath) return reuse();

    const what = `model ${where.source ? `'${where.source}'` : '(bytes)'}`;
    const model: Model = normalizeModel(decodeModel(bytes, where), {
      what,
      freeDimensionOverrides: options.freeDimensionOverrides,
    });
    optimize(
      model,
      { level: options.level, disabled: options.disabledOptimizers },
      { what, evaluate: constantEvaluator(provider), hasKernel: kernelQuery(provider) },
    );
    if (options.optimizedModelFilePath) writeOptimizedModel(options.optimizedModelFilePath, model, what);
    if (hit) return reuse(); // compiled already: only the optimized file was wanted
    const g = model.graph;
    const formal = g.inputs.filter((i) => !g.initializers.has(i.name));
    const { plan, order } = buildPlan(
      g,
      { opsets: model.opsets, what },
      new Set(),
      formal.map((i) => i.name),
    );
    const meta: ModelMetadata = {
      inputs: formal.map((i) => metadataOf(i.name, i.type)),
      outputs: g.outputs.map((o) => metadataOf(o.name, o.type)),
      nodes: describePlanNodes(g, order),
      provider,
      source: where.source,
    };
    let handle: ModelHandle;
    try {
      handle = addon.compile(plan, key, JSON.stringify(meta), { threads: options.threads, provider });
    } catch (e) {
      const msg = (e as Error).message;
      const Err = msg.startsWith('unsupported operator') ? UnsupportedError : ModelLoadError;
      throw new Err(`${what}: ${msg}`, { cause: e });
    }
    return new InferenceSession(handle, meta, options);
  }

  /** Runs the model. Like onnxruntime-node: run(feeds, options?) or run(feeds, fetches, options?). */
  async run(
    feeds: Record<string, FeedValue>,
    fetchesOrOptions?: readonly string[] | Record<string, unknown> | RunOptions,
    maybeOptions?: RunOptions,
  ): Promise<Record<string, FetchValue>> {
    const { fetches, options } = splitRunArgs(this.outputNames, fetchesOrOptions, maybeOptions);
    const handle = this.liveHandle();
    const nativeFeeds = this.prepareFeeds(feeds);
    const profile = options.profile ?? this.options.enableProfiling;
    const startUs = (performance.timeOrigin + performance.now()) * 1e3;
    let result;
    try {
      const runOptions = { threads: this.options.threads, profile };
      result = options.blocking
        ? native().runSync(handle, nativeFeeds, runOptions)
        : await native().run(handle, nativeFeeds, runOptions);
    } catch (e) {
      throw new RuntimeError((e as Error).message, { cause: e });
    }
    if (result.timings) {
      this.lastRunProfile = { startUs, nodes: decodeTimings(result.timings, this.meta.nodes) };
      if (this.options.enableProfiling) this.profiles.push(this.lastRunProfile);
    }
    const out: Record<string, FetchValue> = {};
    result.outputs.forEach((v, i) => {
      const name = this.outputNames[i];
      if (fetches.includes(name)) out[name] = fromNative(v);
    });
    return out;
  }

  /**
   * Like onnxruntime's endProfiling: writes the runs recorded since creation (enableProfiling) as a Chrome
   * trace JSON and returns its path.
   */
  endProfiling(): string {
    const prefix = this.options.profileFilePrefix;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = writeChromeTrace(`${prefix}_${stamp}.json`, this.profiles, {
      model: this.source,
      provider: this.provider,
    });
    this.profiles.length = 0;
    return path;
  }

  /** Runs recorded so far with enableProfiling. */
  get profiledRuns(): readonly RunProfile[] {
    return this.profiles;
  }

  async release(): Promise<void> {
    if (this.handle) native().release(this.handle);
    this.handle = undefined;
  }

  /** Bytes of weights held by the compiled model (shared by every session of it in this process). */
  get weightBytes(): number {
    return native().modelInfo(this.liveHandle()).weightBytes;
  }

  /** Nodes of the executed plan, in execution order (a run's timings index into this list). */
  get planNodes(): readonly PlanNodeInfo[] {
    return this.meta.nodes;
  }

  get provider(): string {
    return this.meta.provider;
  }

  private liveHandle(): ModelHandle {
    if (!this.handle) throw new Error('this InferenceSession was released');
    return this.handle;
  }

  private prepareFeeds(feeds: Record<string, FeedValue>): (NativeValue | null)[] {
    if (typeof feeds !== 'object' || feeds === null)
      throw new TypeError('feeds must be an object of input name -> Tensor');
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) {
        throw new TypeError(
          `'${name}' is not an input of this model; its inputs are: ${this.inputNames.join(', ')}`,
        );
      }
    }
    return this.inputMetadata.map((meta) => {
      if (!(meta.name in feeds)) {
        throw new TypeError(
          `missing input '${meta.name}'; the model's inputs are: ${this.inputNames.join(', ')}`,
        );
      }
      return toNative(meta, feeds[meta.name]);
    });
  }
}

function writeOptimizedModel(path: string, model: Model, what: string): void {
  try {
    writeFileSync(path, encodeModel(model));
  } catch (e) {
    throw new ModelLoadError(
      `${what}: cannot write the optimized model to '${path}': ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

function splitRunArgs(
  outputNames: readonly string[],
  a?: readonly string[] | Record<string, unknown> | RunOptions,
  b?: RunOptions,
): { fetches: readonly string[]; options: RunOptions } {
  if (Array.isArray(a)) {
    for (const f of a) {
      if (!outputNames.includes(f)) {
        throw new TypeError(
          `'${f}' is not an output of this model; its outputs are: ${outputNames.join(', ')}`,
        );
      }
    }
    return { fetches: a, options: b ?? {} };
  }
  if (a && typeof a === 'object' && b !== undefined) {
    return { fetches: Object.keys(a), options: b };
  }
  if (
    a &&
    typeof a === 'object' &&
    Object.keys(a).length > 0 &&
    Object.keys(a).every((k) => outputNames.includes(k))
  ) {
    return { fetches: Object.keys(a), options: {} };
  }
  return { fetches: outputNames, options: (a as RunOptions) ?? {} };
}

function tensorToNative(t: Tensor, what: string): NativeValue {
  if (!(t instanceof Tensor)) throw new TypeError(`${what} must be a Tensor`);
  const data = t.data;
  return {
    dtype: typeCode(t.type),
    dims: [...t.dims],
    data: Array.isArray(data) ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function toNative(meta: ValueMetadata, v: FeedValue): NativeValue | null {
  const what = `input '${meta.name}'`;
  if (v === null || v === undefined) {
    if (meta.type === 'optional') return null;
    throw new TypeError(`${what} is null but the model requires a value`);
  }
  if (Array.isArray(v)) {
    const items = v.map((t, i) => tensorToNative(t, `${what}[${i}]`));
    return { sequence: items as never, elemType: items[0]?.dtype ?? 1 };
  }
  if (!(v instanceof Tensor)) throw new TypeError(`${what} must be a Tensor, got ${typeof v}`);
  if (meta.isTensor) {
    if (meta.type && v.type !== meta.type) {
      throw new TypeError(`${what}: expected a tensor of type ${meta.type}, got ${v.type}`);
    }
    const shape = meta.shape;
    if (shape && shape.length > 0 && shape.length !== v.dims.length) {
      throw new RangeError(
        `${what}: expected rank ${shape.length} (shape [${shape.join(', ')}]), got dims [${v.dims.join(', ')}]`,
      );
    }
    shape?.forEach((d, i) => {
      if (typeof d === 'number' && d !== v.dims[i]) {
        throw new RangeError(
          `${what}: dimension ${i} must be ${d} (shape [${shape.join(', ')}]), got dims [${v.dims.join(', ')}]`,
        );
      }
    });
  }
  return tensorToNative(v, what);
}

function tensorFromNative(o: NativeTensorOut): Tensor {
  const type = typeName(o.dtype);
  if (type === 'string') return new Tensor('string', o.data as string[], o.dims);
  return new Tensor(type, viewAs(type, new Uint8Array(o.data as ArrayBuffer)), o.dims);
}

function fromNative(
  v: NativeTensorOut | { sequence: NativeTensorOut[]; elemType: number } | null,
): FetchValue {
  if (v === null) return null;
  if ('sequence' in v) return v.sequence.map(tensorFromNative);
  return tensorFromNative(v);
}
