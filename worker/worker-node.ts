// One worker process: connects to NATS, loads its models, serves online requests through the service API and
// durable jobs through JetStream, reports presence, and drains cleanly.
import { nuid } from '@nats-io/nats-core';
import { Svcm, type Service } from '@nats-io/services';
import { pino, type Logger } from 'pino';
import { FleetConnection } from '../client/connection.js';
import type { WorkerInfo } from '../protocol/index.js';
import type { WorkerContext } from './context.js';
import { HostedModel } from './hosted-model.js';
import { inferHandler } from './infer-endpoint.js';
import { JobConsumer } from './job-consumer.js';
import { resolveWorkerOptions, type WorkerOptions } from './options.js';
import { EnginePool } from './pool/engine-pool.js';
import { Presence } from './presence.js';
import { Scheduler } from './scheduler.js';
import { packageVersion } from '../engine/version.js';

export class WorkerNode {
  private service?: Service;
  private readonly jobs: JobConsumer[] = [];
  private presence?: Presence;
  private drained?: Promise<void>;

  private constructor(
    readonly ctx: WorkerContext,
    private readonly pool: EnginePool,
  ) {}

  get id(): string {
    return this.ctx.workerId;
  }

  /** Connects, loads the models, and starts serving. Fails (and releases everything) if a model cannot load. */
  static async start(
    input: Partial<WorkerOptions>,
    log: Logger = pino({ name: 'onnxfleet-worker' }),
  ): Promise<WorkerNode> {
    const options = resolveWorkerOptions(input);
    const workerId = `w-${nuid.next().slice(-10).toLowerCase()}`;
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
      for (const spec of options.models) {
        const model = await HostedModel.load(conn, spec, options.cacheDir);
        ctx.models.set(model.name, model);
        await pool.warm(model.ref.sha256, model.path, options.intraOp);
        ctx.log.info(
          {
            model: model.name,
            version: model.ref.version,
            sha256: model.ref.sha256,
            loadMs: Math.round(model.loadMs),
            batchable: model.batchable,
          },
          'model loaded',
        );
      }
      await node.serve();
    } catch (e) {
      await node.shutdown();
      throw e;
    }
    return node;
  }

  private async serve(): Promise<void> {
    const { ctx } = this;
    const names = ctx.conn.names;
    this.presence = new Presence(ctx);
    this.service = await new Svcm(ctx.conn.nc).add({
      name: names.serviceName,
      version: packageVersion(),
      description: 'onnxfleet worker: online inference and durable jobs',
      metadata: {
        worker_id: ctx.workerId,
        providers: this.presence.info().providers.join(','),
        pool_threads: String(ctx.options.threads),
        intra_op_threads: String(ctx.options.intraOp),
        models: [...ctx.models.keys()].join(','),
      },
      statsHandler: async () => this.statsData(),
    });
    for (const model of ctx.models.values()) {
      this.service.addEndpoint(`infer-${model.name}`, {
        subject: names.infer(model.name),
        handler: inferHandler(ctx, model),
        metadata: { model: model.name, version: model.ref.version, sha256: model.ref.sha256 },
      });
      if (ctx.options.jobs) {
        const consumer = new JobConsumer(ctx, model);
        await consumer.start();
        this.jobs.push(consumer);
      }
    }
    await this.presence.start();
    ctx.log.info(
      {
        models: [...ctx.models.keys()],
        threads: ctx.options.threads,
        intraOp: ctx.options.intraOp,
        jobs: ctx.options.jobs,
      },
      'worker serving',
    );
  }

  private statsData() {
    const { ctx } = this;
    return {
      workerId: ctx.workerId,
      models: [...ctx.models.values()].map((m) => ({
        name: m.name,
        version: m.ref.version,
        requests: m.requests,
        errors: m.errors,
      })),
      queueDepth: ctx.scheduler.depth,
      inFlight: ctx.scheduler.inFlight,
      draining: ctx.draining,
      scheduler: ctx.scheduler.stats,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  info(): WorkerInfo | undefined {
    return this.presence?.info();
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
    await this.service?.stop().catch(() => undefined);
    await Promise.all(this.jobs.map((j) => j.stop()));
    await ctx.scheduler.idle();
    await Promise.allSettled([...ctx.inflight]);
    await this.presence?.stop();
    await this.pool.destroy().catch(() => undefined);
    for (const m of ctx.models.values()) await m.release();
    await ctx.conn.close();
    ctx.log.info('stopped');
  }
}
