// Deciding placement: a pure function from (models, live workers, previous placement, demand) to placement.
// Whole models go to as many workers as their replica count asks (kept where they already are, so a decision
// does not shuffle models around); a model split into stages gets one worker per stage, preferring distinct
// workers. Every worker's weight budget is respected.
import type { ModelPlacement, StageAssignment, WorkerInfo } from '../protocol/index.js';

export interface ModelRecord {
  name: string;
  version: string;
  sha256: string;
  weightBytes: number;
  /** Estimated FLOPs of one request at the cost model's dims. */
  flops: number;
  outputs: string[];
  /** Stages asked for at push time (0: only when it fits no worker). */
  stages: number;
  /** Replicas asked for at push time (0: by demand). */
  replicas: number;
}

/** A partition of a model into pipeline stages (stage models already in the index). */
export interface StagePlan {
  stages: Omit<StageAssignment, 'workers'>[];
}

export interface PolicyInput {
  models: ModelRecord[];
  workers: WorkerInfo[];
  current: Map<string, ModelPlacement>;
  /** Requests per second by model over the last rounds. */
  rates: Map<string, number>;
  /** Stage plans for the models that are split. */
  plans: Map<string, StagePlan>;
}

/** Requests per second one pool thread sustains on a model, from its FLOPs (a coarse CPU estimate). */
const FLOPS_PER_THREAD = 25e9;

export function budgetOf(w: WorkerInfo): number {
  return w.memoryBudgetBytes || Math.floor(w.memoryTotalBytes / 2);
}

export function wantedReplicas(m: ModelRecord, w: WorkerInfo[], rate: number): number {
  if (m.replicas > 0) return m.replicas;
  const threads = w.length ? Math.max(1, Math.min(...w.map((x) => x.poolThreads))) : 1;
  const perReplica = (threads * FLOPS_PER_THREAD) / Math.max(m.flops, 1);
  const demand = Math.ceil(rate / (0.7 * perReplica));
  return Math.max(Math.min(2, w.length), demand);
}

export function decidePlacement(input: PolicyInput): Map<string, ModelPlacement> {
  const { workers, current, plans } = input;
  const free = new Map(workers.map((w) => [w.workerId, budgetOf(w)]));
  const out = new Map<string, ModelPlacement>();
  const order = [...input.models].sort(
    (a, b) => b.weightBytes - a.weightBytes || a.name.localeCompare(b.name),
  );
  for (const m of order) {
    const prev = current.get(m.name);
    const base = {
      model: m.name,
      version: m.version,
      sha256: m.sha256,
      graphOutputs: m.outputs,
      updatedUnixMs: Date.now(),
    };
    const plan = plans.get(m.name);
    if (plan) {
      const stages: StageAssignment[] = [];
      const used = new Set<string>();
      for (const s of plan.stages) {
        const before =
          prev?.sha256 === m.sha256
            ? prev.stages.find((p) => p.index === s.index && p.modelName === s.modelName)
            : undefined;
        const keep = before?.workers.find(
          (id) => free.has(id) && !used.has(id) && free.get(id)! >= s.weightBytes,
        );
        const pick =
          keep ??
          pickWorker(workers, free, s.weightBytes, used) ??
          pickWorker(workers, free, s.weightBytes, new Set());
        if (pick) {
          used.add(pick);
          free.set(pick, free.get(pick)! - s.weightBytes);
        }
        stages.push({ ...s, workers: pick ? [pick] : [] });
      }
      const unplaced = stages.filter((s) => !s.workers.length).length;
      out.set(m.name, {
        ...base,
        workers: [],
        stages,
        reason: unplaced
          ? `split into ${stages.length} stages; ${unplaced} stage(s) fit no live worker`
          : `split into ${stages.length} stages (${m.stages > 1 ? 'asked at push' : 'fits no single worker'})`,
      });
      continue;
    }
    const want = wantedReplicas(m, workers, input.rates.get(m.name) ?? 0);
    const chosen: string[] = [];
    const stay = prev && prev.sha256 === m.sha256 ? prev.workers : [];
    for (const id of stay) {
      if (chosen.length >= want) break;
      if (free.has(id) && free.get(id)! >= m.weightBytes) chosen.push(id);
    }
    while (chosen.length < want) {
      const pick = pickWorker(workers, free, m.weightBytes, new Set(chosen));
      if (!pick) break;
      chosen.push(pick);
    }
    for (const id of chosen) free.set(id, free.get(id)! - m.weightBytes);
    out.set(m.name, {
      ...base,
      workers: chosen,
      stages: [],
      reason: chosen.length
        ? `${chosen.length} of ${want} wanted replica(s)`
        : workers.length
          ? `fits no live worker (${m.weightBytes} weight bytes)`
          : 'no live workers',
    });
  }
  return out;
}

/** The worker with the most free budget that fits `bytes` and is not excluded. */
function pickWorker(
  workers: WorkerInfo[],
  free: Map<string, number>,
  bytes: number,
  exclude: Set<string>,
): string | undefined {
  let best: string | undefined;
  for (const w of workers) {
    const f = free.get(w.workerId)!;
    if (exclude.has(w.workerId) || f < bytes) continue;
    if (best === undefined || f > free.get(best)!) best = w.workerId;
  }
  return best;
}

/** Whether two placements put the same things on the same workers (timestamps and reasons aside). */
export function samePlacement(a: ModelPlacement | undefined, b: ModelPlacement): boolean {
  if (!a) return false;
  const key = (p: ModelPlacement) =>
    JSON.stringify([
      p.version,
      p.sha256,
      [...p.workers].sort(),
      p.stages.map((s) => [s.index, s.modelName, s.sha256, [...s.workers].sort()]),
    ]);
  return key(a) === key(b);
}
