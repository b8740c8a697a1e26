// Splits a model into pipeline stages with the partition planner and publishes each stage as a model of its
// own in the model index (named <model>--stage-<k>-of-<K>), so workers fetch and verify stages exactly like
// whole models. Plans are deterministic, so a restarted coordinator produces the same stage files.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { FleetConnection } from '../client/connection.js';
import { fetchModel, pushModel, resolveModel } from '../client/models.js';
import { stageModelName } from '../protocol/index.js';
import type { CoordinatorOptions } from './options.js';
import { engineFusionGroups, partitionModel } from './partition/index.js';
import type { ModelRecord, StagePlan } from './placement-policy.js';

export class Splitter {
  private readonly plans = new Map<string, StagePlan>();

  constructor(
    private readonly conn: FleetConnection,
    private readonly options: CoordinatorOptions,
    private readonly log: Logger,
  ) {}

  /**
   * The stage plan for `m`: m.stages stages if asked at push time, else the fewest stages whose weights fit
   * the largest worker budgets (stage k within the k-th largest budget).
   */
  async plan(m: ModelRecord, budgets: number[]): Promise<StagePlan> {
    const sorted = [...budgets].sort((a, b) => b - a);
    const stages = m.stages > 1 ? m.stages : 'auto';
    const key = JSON.stringify([m.sha256, stages, stages === 'auto' ? sorted : sorted[0]]);
    const hit = this.plans.get(key);
    if (hit) return hit;
    const start = performance.now();
    const ref = await resolveModel(this.conn, m.name, m.version);
    const bytes = await readFile(await fetchModel(this.conn, ref, this.options.cacheDir));
    // Keeping every optimizer fusion inside one stage makes the pipeline's outputs equal the unsplit model's.
    const keepTogether = await engineFusionGroups(bytes);
    const plan = partitionModel(bytes, {
      name: m.name,
      stages,
      budget: stages === 'auto' ? sorted : (sorted[0] ?? Number.POSITIVE_INFINITY),
      dims: this.options.dims,
      keepTogether,
    });
    const count = plan.stages.length;
    const hashes = plan.stages.map((s) => createHash('sha256').update(s.model).digest('hex'));
    const version = `${m.version}-${createHash('sha256').update(hashes.join()).digest('hex').slice(0, 10)}`;
    const out: StagePlan = { stages: [] };
    for (const s of plan.stages) {
      const modelName = stageModelName(m.name, s.index, count);
      const pushed = await pushModel(this.conn, s.model, { name: modelName, version });
      out.stages.push({
        index: s.index,
        modelName,
        version,
        sha256: pushed.sha256,
        inputs: s.inputs,
        outputs: s.outputs,
        weightBytes: s.weightBytes,
        flops: s.flops,
      });
    }
    this.plans.set(key, out);
    this.log.info(
      {
        model: m.name,
        stages: count,
        weightBytes: plan.stages.map((s) => s.weightBytes),
        crossBytes: plan.crossBytes,
        ms: Math.round(performance.now() - start),
      },
      'model split into pipeline stages',
    );
    return out;
  }
}
