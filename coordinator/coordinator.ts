// The control plane (DESIGN.md §4): keeps the model registry, decides placement from worker capacity and
// demand, splits models that fit no worker (or that asked for it) into pipeline stages, re-places the work of
// dead workers, and runs batch jobs. It is never in the path of a request, and all its state lives in NATS
// (KV buckets and streams), so a restart loses nothing: the next round reads what the last one wrote.
import { pino, type Logger } from 'pino';
import { jobQueueDepths } from '../client/cluster-status.js';
import { FleetConnection } from '../client/connection.js';
import {
  isStageModelName,
  modelPlacementCodec,
  type ModelPlacement,
  type WorkerInfo,
} from '../protocol/index.js';
import { fleetMetrics } from '../observability/index.js';
import { BatchManager } from './batch/index.js';
import { currentPlacements, latestModels, liveWorkers } from './cluster-view.js';
import { resolveCoordinatorOptions, type CoordinatorOptions } from './options.js';
import { budgetOf, decidePlacement, samePlacement, type StagePlan } from './placement-policy.js';
import { ModelRegistry } from './registry.js';
import { Splitter } from './splitter.js';

export class Coordinator {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  private lastCounts = new Map<string, { at: number; requests: number }>();
  private rates = new Map<string, number>();
  private batches?: BatchManager;
  /** Placement of the last round, for status and tests. */
  placements = new Map<string, ModelPlacement>();

  private constructor(
    readonly conn: FleetConnection,
    readonly options: CoordinatorOptions,
    readonly log: Logger,
    private readonly registry: ModelRegistry,
    private readonly splitter: Splitter,
  ) {}

  static async start(
    input: Partial<CoordinatorOptions> = {},
    log: Logger = pino({ name: 'onnxfleet-coordinator' }),
  ): Promise<Coordinator> {
    const options = resolveCoordinatorOptions(input);
    const conn = await FleetConnection.open({ ...options.connection, name: 'onnxfleet-coordinator' });
    const registry = new ModelRegistry(conn, options, log);
    const c = new Coordinator(conn, options, log, registry, new Splitter(conn, options, log));
    await conn.ensureJobStreams();
    if (options.batches) {
      c.batches = new BatchManager(conn, log, { leaseMs: options.batchLeaseMs });
      await c.batches.start();
    }
    await c.tick();
    c.timer = setInterval(() => void c.tick(), options.intervalMs);
    log.info({ intervalMs: options.intervalMs }, 'coordinator running');
    return c;
  }

  /** One reconcile round (rounds never overlap). */
  tick(): Promise<void> {
    if (this.round) return this.round;
    this.round = this.reconcile()
      .catch((e) => this.log.warn({ err: e }, 'placement round failed; retrying next round'))
      .finally(() => (this.round = undefined));
    return this.round;
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const [workers, refs, current] = await Promise.all([
      liveWorkers(this.conn, this.options.deadAfterMs),
      latestModels(this.conn),
      currentPlacements(this.conn),
    ]);
    this.measureDemand(workers);
    const models = [];
    for (const ref of refs) {
      try {
        models.push(await this.registry.record(ref));
      } catch (e) {
        this.log.error({ err: e, model: ref.name }, 'cannot analyse model; not placing it');
      }
    }
    const largest = Math.max(0, ...workers.map(budgetOf));
    const plans = new Map<string, StagePlan>();
    for (const m of models) {
      const wantSplit = m.stages > 1 || (workers.length > 0 && m.weightBytes > largest);
      if (!wantSplit) continue;
      try {
        plans.set(m.name, await this.splitter.plan(m, workers.map(budgetOf)));
      } catch (e) {
        this.log.error({ err: e, model: m.name }, 'cannot split model');
      }
    }
    const desired = decidePlacement({ models, workers, current, rates: this.rates, plans });
    const kv = await this.conn.kv(this.conn.names.placementBucket);
    let changes = 0;
    for (const [name, p] of desired) {
      if (samePlacement(current.get(name), p)) continue;
      changes++;
      await kv.put(name, modelPlacementCodec.encode(p));
      this.log.info(
        { model: name, workers: p.workers, stages: p.stages.map((s) => s.workers), reason: p.reason },
        'placement changed',
      );
    }
    for (const name of current.keys()) {
      if (!desired.has(name)) {
        await kv.delete(name);
        this.log.info({ model: name }, 'placement removed (model no longer in the index)');
      }
    }
    this.placements = desired;
    const all = [...desired.values()];
    const served = (p: ModelPlacement) =>
      p.stages.length ? p.stages.every((st) => st.workers.length > 0) : p.workers.length > 0;
    fleetMetrics().recordPlacementRound({
      workers: workers.length,
      placed: all.filter((p) => !p.stages.length && served(p)).length,
      split: all.filter((p) => p.stages.length > 0 && served(p)).length,
      unplaced: all.filter((p) => !served(p)).length,
      changes,
    });
    await this.recordQueueDepths();
  }

  /** Durable jobs waiting per model, for dashboards and autoscaling on queue depth. */
  private async recordQueueDepths(): Promise<void> {
    for (const q of await jobQueueDepths(this.conn)) {
      fleetMetrics().setQueueDepth(`jobs:${q.model}`, q.pending + q.running);
    }
  }

  /** Requests per second per model, from the counters workers report in presence. */
  private measureDemand(workers: WorkerInfo[]): void {
    const now = Date.now();
    const totals = new Map<string, number>();
    for (const w of workers) {
      for (const m of w.models) {
        const model = isStageModelName(m.name) ? undefined : m.name;
        if (model) totals.set(model, (totals.get(model) ?? 0) + m.requests);
      }
    }
    for (const [model, requests] of totals) {
      const last = this.lastCounts.get(model);
      if (last && now > last.at && requests >= last.requests) {
        const rate = ((requests - last.requests) * 1000) / (now - last.at);
        this.rates.set(model, 0.7 * (this.rates.get(model) ?? rate) + 0.3 * rate);
      }
      this.lastCounts.set(model, { at: now, requests });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
    await this.batches?.stop();
    await this.conn.close();
  }
}
