// The model registry: name -> newest version -> content hash, with what placement needs to know about each
// model (weight bytes, estimated FLOPs per request, outputs). Analysis happens once per content hash and is
// kept in the <prefix>_registry KV bucket, so a restarted coordinator does not analyse again.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { FleetConnection } from '../client/connection.js';
import { fetchModel } from '../client/models.js';
import { decodeModel } from '../engine/onnx/decode.js';
import type { ModelRef } from '../protocol/index.js';
import type { CoordinatorOptions } from './options.js';
import { modelCost } from './partition/cost.js';
import type { ModelRecord } from './placement-policy.js';

/** What the registry stores per content hash (JSON in KV). */
interface Analysis {
  sha256: string;
  weightBytes: number;
  flops: number;
  inputs: string[];
  outputs: string[];
  dims: Record<string, number>;
  analysedUnixMs: number;
}

export class ModelRegistry {
  private readonly cache = new Map<string, Analysis>();

  constructor(
    private readonly conn: FleetConnection,
    private readonly options: CoordinatorOptions,
    private readonly log: Logger,
  ) {}

  private bucket() {
    return this.conn.kv(`${this.conn.names.prefix}_registry`);
  }

  async record(ref: ModelRef): Promise<ModelRecord> {
    const a = await this.analysis(ref);
    return {
      name: ref.name,
      version: ref.version,
      sha256: ref.sha256,
      weightBytes: a.weightBytes,
      flops: a.flops,
      outputs: a.outputs,
      stages: ref.stages ?? 0,
      replicas: ref.replicas ?? 0,
    };
  }

  /** The model file in the coordinator's cache (fetched and hash-verified). */
  file(ref: ModelRef): Promise<string> {
    return fetchModel(this.conn, ref, this.options.cacheDir);
  }

  private async analysis(ref: ModelRef): Promise<Analysis> {
    const hit = this.cache.get(ref.sha256);
    if (hit) return hit;
    const kv = await this.bucket();
    const stored = await kv.get(ref.sha256);
    if (stored && stored.operation === 'PUT' && stored.value.byteLength) {
      const a = JSON.parse(new TextDecoder().decode(stored.value)) as Analysis;
      this.cache.set(ref.sha256, a);
      return a;
    }
    const start = performance.now();
    const bytes = await readFile(await this.file(ref));
    const model = decodeModel(bytes, { source: ref.name });
    const cost = modelCost(bytes, this.options.dims, { name: ref.name });
    const a: Analysis = {
      sha256: ref.sha256,
      weightBytes: cost.weightBytes,
      flops: cost.flops,
      inputs: model.graph.inputs.filter((i) => !model.graph.initializers.has(i.name)).map((i) => i.name),
      outputs: model.graph.outputs.map((o) => o.name),
      dims: cost.dims,
      analysedUnixMs: Date.now(),
    };
    await kv.put(ref.sha256, new TextEncoder().encode(JSON.stringify(a)));
    this.cache.set(ref.sha256, a);
    this.log.info(
      {
        model: ref.name,
        sha256: ref.sha256,
        weightBytes: a.weightBytes,
        gflops: +(a.flops / 1e9).toFixed(3),
        ms: Math.round(performance.now() - start),
      },
      'model analysed',
    );
    return a;
  }
}
