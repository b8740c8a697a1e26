// Watches the onnxfleet_placement KV bucket (written by the coordinator) and turns the entries that name this
// worker into units to host: whole models, or stages of split models.
import type { KvWatchEntry } from '@nats-io/kv';
import { modelPlacementCodec, type ModelPlacement } from '../protocol/index.js';
import type { WorkerContext } from './context.js';
import type { UnitSpec } from './units.js';

/** The units `workerId` hosts according to `placements`. */
export function unitsFor(workerId: string, placements: Iterable<ModelPlacement>): UnitSpec[] {
  const out: UnitSpec[] = [];
  for (const p of placements) {
    if (p.workers.includes(workerId)) out.push({ key: p.model, indexName: p.model, version: p.version });
    const count = p.stages.length;
    for (const s of p.stages) {
      if (!s.workers.includes(workerId)) continue;
      const later = new Set<string>(p.graphOutputs);
      for (const t of p.stages) if (t.index > s.index) for (const n of t.inputs) later.add(n);
      out.push({
        key: `${p.model}#${s.index}`,
        indexName: s.modelName,
        version: s.version,
        stage: {
          model: p.model,
          index: s.index,
          count,
          inputs: s.inputs,
          forward: [...later].sort(),
          graphOutputs: p.graphOutputs,
        },
      });
    }
  }
  return out;
}

export class PlacementWatch {
  private readonly placements = new Map<string, ModelPlacement>();
  private stopWatch?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly onChange: (units: UnitSpec[]) => void,
  ) {}

  async start(): Promise<void> {
    const kv = await this.ctx.conn.kv(this.ctx.conn.names.placementBucket);
    const watch = await kv.watch({ key: '>' });
    this.stopWatch = () => watch.stop();
    void (async () => {
      for await (const e of watch) this.update(e);
    })().catch((e) => this.ctx.log.warn({ err: e }, 'placement watch ended'));
  }

  private update(e: KvWatchEntry): void {
    if (e.operation === 'PUT' && e.value.byteLength) {
      try {
        this.placements.set(e.key, modelPlacementCodec.decode(e.value));
      } catch (err) {
        this.ctx.log.warn({ err, key: e.key }, 'ignoring an undecodable placement');
        return;
      }
    } else {
      this.placements.delete(e.key);
    }
    // Coalesce bursts (the initial values arrive one by one).
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(unitsFor(this.ctx.workerId, this.placements.values())), 50);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.stopWatch?.();
  }
}
