// One worker process: connects to NATS, hosts its models (from --models and from the coordinator's placement),
// serves online requests and pipeline stages through the service API and durable jobs through JetStream,
// reports presence, and drains cleanly.
import { nuid } from '@nats-io/nats-core';
import { pino, type Logger } from 'pino';
import { providerStatus } from '../engine/index.js';
import { FleetConnection } from '../client/connection.js';
import type { WorkerInfo } from '../protocol/index.js';
import type { WorkerContext } from './context.js';
import { Hosting } from './hosting.js';
import { resolveWorkerOptions, type WorkerOptions } from './options.js';
import { PlacementWatch } from './placement-watch.js';
import { EnginePool } from './pool/engine-pool.js';
import { Presence } from './presence.js';
import { Scheduler } from './scheduler.js';
import { wholeModel, type UnitSpec } from './units.js';

export class WorkerNode {
  private readonly hosting: Hosting;
  private readonly presence: Presence;
  private placement?: PlacementWatch;
  private drained?: Promise<void>;
  private readonly staticUnits: UnitSpec[];

  private constructor(
    readonly ctx: WorkerContext,
    private readonly pool: EnginePool,
  ) {
    const providers = ['cpu', 'cuda', 'openvino', 'dml'].filter((p) => providerStatus(p).available);
    this.presence = new Presence(ctx, providers);
    this.hosting = new Hosting(ctx, pool, () => this.statsData(), providers);
    this.staticUnits = ctx.options.models.map((spec) => {
      const [name, version] = spec.split('@');
      return wholeModel(name, version || 'latest');
    });
  }

  get id(): string {
    return this.ctx.workerId;
  }

  /**
   * Connects, loads the --models, and starts serving; then follows the coordinator's placement. Fails (and
   * releases everything) if a --models entry cannot load.
   */
  static async start(
    input: Partial<WorkerOptions>,
    log: Logger = pino({ name: 'onnxfleet-worker' }),
  ): Promise<WorkerNode> {
    const options = resolveWorkerOptions(input);
    const workerId = options.workerId ?? `w-${nuid.next().slice(-10).toLowerCase()}`;
    const conn = await FleetConnection.open({ ...options.connection, name: `onnxfleet-worker ${workerId}` });
    const pool = new EnginePool(options.threads);
    const scheduler = new Scheduler(pool, {
      maxQueue: options.maxQueue,
      maxBatch: options.maxBatch,
      batchWindowMs: options.batchWindowMs,
      intraOpThreads: options.intraOp,
    });
    const ctx: WorkerContext = {
      conn,
      workerId,
      options,
      scheduler,
      models: new Map(),
      log: log.child({ worker: workerId }),
      draining: false,
      inflight: new Set(),
    };
    const node = new WorkerNode(ctx, pool);
    try {
      await node.hosting.apply(node.staticUnits);
      await node.presence.start();
      if (options.placement) {
        node.placement = new PlacementWatch(ctx, (units) => void node.follow(units));
        await node.placement.start();
      }
    } catch (e) {
      await node.shutdown();
      throw e;
    }
    ctx.log.info(
      {
        models: [...ctx.models.keys()],
        threads: options.threads,
        intraOp: options.intraOp,
        jobs: options.jobs,
      },
      'worker serving',
    );
    return node;
  }

  /** Hosts the --models plus whatever the placement assigns to this worker. */
  private async follow(placed: UnitSpec[]): Promise<void> {
    if (this.ctx.draining) return;
    const keys = new Set(this.staticUnits.map((u) => u.key));
    try {
      await this.hosting.apply([...this.staticUnits, ...placed.filter((u) => !keys.has(u.key))]);
      await this.presence.beat();
    } catch (e) {
      this.ctx.log.error({ err: e }, 'could not host every placed model');
    }
  }

  private statsData() {
    const { ctx } = this;
    return {
      workerId: ctx.workerId,
      models: [...ctx.models.entries()].map(([key, m]) => ({
        name: key,
        version: m.ref.version,
        requests: m.requests,
        errors: m.errors,
      })),
      queueDepth: ctx.scheduler.depth,
      inFlight: ctx.scheduler.inFlight,
      draining: ctx.draining,
      scheduler: ctx.scheduler.stats,
      rssBytes: process.memoryUsage.rss(),
      poolUtilization: this.pool.utilization,
    };
  }

  info(): WorkerInfo {
    return this.presence.info();
  }

  /**
   * Graceful stop: no new work (service endpoints and job fetching stop), in-flight requests are answered and
   * in-flight jobs stored and acknowledged, then the connection is drained.
   */
  drain(): Promise<void> {
    return (this.drained ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    const { ctx } = this;
    ctx.draining = true;
    ctx.log.info('draining');
    this.placement?.stop();
    await this.hosting.stop().catch(() => undefined);
    await ctx.scheduler.idle();
    await Promise.allSettled([...ctx.inflight]);
    await this.presence.stop();
    await this.pool.destroy().catch(() => undefined);
    await this.hosting.releaseAll();
    await ctx.conn.close();
    ctx.log.info('stopped');
  }
}
