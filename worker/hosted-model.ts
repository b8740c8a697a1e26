// A model this worker serves: resolved in the model index, fetched (hash-verified) into the local cache, and
// compiled once in the main thread. That main-thread session keeps the compiled model alive in the engine's
// process-wide registry, so pool threads that open the same file get it without compiling or copying weights.
import { InferenceSession, type ValueMetadata } from '../engine/index.js';
import type { Tensor } from '../engine/tensor.js';
import { fetchModel, resolveModel } from '../client/models.js';
import type { FleetConnection } from '../client/connection.js';
import { BadInputError, type LoadedModel, type ModelRef } from '../protocol/index.js';

export class HostedModel {
  requests = 0;
  errors = 0;
  /** Whether requests can be stacked along dim 0 (every input and output has the same symbolic first dim). */
  readonly batchable: boolean;

  private constructor(
    readonly ref: ModelRef,
    readonly path: string,
    readonly session: InferenceSession,
    readonly loadMs: number,
  ) {
    this.batchable = isBatchable(session.inputMetadata, session.outputMetadata);
  }

  static async load(conn: FleetConnection, spec: string, cacheDir: string): Promise<HostedModel> {
    const [name, version] = spec.split('@');
    const start = performance.now();
    const ref = await resolveModel(conn, name, version || 'latest');
    const path = await fetchModel(conn, ref, cacheDir);
    const session = await InferenceSession.create(path, { intraOpNumThreads: 1 });
    return new HostedModel(ref, path, session, performance.now() - start);
  }

  get name(): string {
    return this.ref.name;
  }

  /** Checks feeds against the model's inputs before they are queued; errors name model, input and shapes. */
  validate(feeds: Record<string, Tensor>): void {
    const what = `model '${this.name}'`;
    for (const name of Object.keys(feeds)) {
      if (!this.session.inputNames.includes(name)) {
        throw new BadInputError(
          `${what} has no input '${name}'; its inputs are: ${this.session.inputNames.join(', ')}`,
          {
            model: this.name,
          },
        );
      }
    }
    for (const meta of this.session.inputMetadata) {
      const t = feeds[meta.name];
      if (!t) throw new BadInputError(`${what}: missing input '${meta.name}'`, { model: this.name });
      if (meta.type && t.type !== meta.type) {
        throw new BadInputError(
          `${what}: input '${meta.name}' must be ${meta.type}, got ${t.type}[${t.dims.join(', ')}]`,
          {
            model: this.name,
          },
        );
      }
      const shape = meta.shape;
      if (!shape || (!shape.length && t.dims.length === 0)) continue;
      const ok =
        shape.length === t.dims.length && shape.every((d, i) => typeof d !== 'number' || d === t.dims[i]);
      if (!ok) {
        throw new BadInputError(
          `${what}: input '${meta.name}' has shape [${t.dims.join(', ')}], the model expects [${shape.map((d) => d ?? '?').join(', ')}]`,
          { model: this.name },
        );
      }
    }
  }

  describe(): LoadedModel {
    return {
      name: this.ref.name,
      version: this.ref.version,
      sha256: this.ref.sha256,
      weightBytes: this.session.weightBytes,
      requests: this.requests,
      errors: this.errors,
      loadMs: this.loadMs,
      inputs: [...this.session.inputNames],
      outputs: [...this.session.outputNames],
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function isBatchable(inputs: readonly ValueMetadata[], outputs: readonly ValueMetadata[]): boolean {
  const first = inputs[0]?.shape?.[0];
  if (typeof first !== 'string') return false;
  return [...inputs, ...outputs].every(
    (m) => m.isTensor && m.shape && m.shape.length > 0 && m.shape[0] === first,
  );
}
