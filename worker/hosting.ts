// The set of units (whole models and pipeline stages) this worker serves, and the NATS service that exposes
// them. The service API cannot drop one endpoint, so a change builds the new service first and then stops the
// old one (make before break): requests keep finding a responder throughout.
import { BroadcastChannel } from 'node:worker_threads';
import { Svcm, type Service } from '@nats-io/services';
import { packageVersion } from '../engine/version.js';
import { fleetMetrics } from '../observability/index.js';
import type { WorkerContext } from './context.js';
import { HostedModel } from './hosted-model.js';
import { inferHandler } from './infer-endpoint.js';
import { JobConsumer } from './job-consumer.js';
import { pipelineTarget, wholeModelTarget } from './job-target.js';
import type { EnginePool } from './pool/engine-pool.js';
import { RELEASE_CHANNEL } from './pool/tasks.js';
import { stageHandler } from './stage-endpoint.js';
import { sameUnit, type UnitSpec } from './units.js';

interface Unit {
  spec: UnitSpec;
  model: HostedModel;
  jobs?: JobConsumer;
}

export class Hosting {
  private readonly units = new Map<string, Unit>();
  private service?: Service;
  private queue: Promise<void> = Promise.resolve();
  private readonly release = new BroadcastChannel(RELEASE_CHANNEL);

  constructor(
    private readonly ctx: WorkerContext,
    private readonly pool: EnginePool,
    private readonly statsData: () => unknown,
    private readonly providers: string[],
  ) {
    this.release.unref();
  }

  specs(): UnitSpec[] {
    return [...this.units.values()].map((u) => u.spec);
  }

  /** Serves exactly `desired` (changes are applied one at a time, in order). */
  apply(desired: UnitSpec[]): Promise<void> {
    const next = this.queue.then(() => this.applyNow(desired));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async applyNow(desired: UnitSpec[]): Promise<void> {
    const { ctx } = this;
    const keep = new Map<string, Unit>();
    const added: Unit[] = [];
    const failures: string[] = [];
    for (const spec of desired) {
      const current = this.units.get(spec.key);
      if (current && sameUnit(current.spec, spec)) {
        keep.set(spec.key, current);
        continue;
      }
      try {
        const model = await HostedModel.load(
          ctx.conn,
          `${spec.indexName}@${spec.version}`,
          ctx.options.cacheDir,
        );
        await this.pool.warm(model.ref.sha256, model.path, ctx.options.intraOp);
        fleetMetrics().recordModelLoad(model.name, model.session.provider, model.loadMs);
        const unit = { spec, model };
        keep.set(spec.key, unit);
        added.push(unit);
        ctx.log.info(
          {
            unit: spec.key,
            model: model.name,
            version: model.ref.version,
            stage: spec.stage?.index,
            loadMs: Math.round(model.loadMs),
          },
          'model loaded',
        );
      } catch (e) {
        failures.push(`${spec.key}: ${(e as Error).message}`);
        if (current) keep.set(spec.key, current); // keep serving the old one
      }
    }
    const removed = [...this.units.values()].filter((u) => keep.get(u.spec.key) !== u);
    if (!added.length && !removed.length && this.service) {
      if (failures.length) throw new Error(failures.join('; '));
      return;
    }
    this.units.clear();
    for (const [k, u] of keep) this.units.set(k, u);
    ctx.models.clear();
    for (const [k, u] of keep) ctx.models.set(k, u.model);

    const old = this.service;
    this.service = await this.buildService();
    await old?.stop().catch(() => undefined);

    if (ctx.options.jobs) {
      for (const u of added) {
        const stage = u.spec.stage;
        // A split model's jobs are taken by the hosts of its first stage and sent through the pipeline.
        if (stage && stage.index > 0) continue;
        const target = stage
          ? pipelineTarget(ctx, stage.model, u.spec.version, u.model)
          : wholeModelTarget(ctx, u.model);
        u.jobs = new JobConsumer(ctx, target);
        await u.jobs.start();
      }
    }
    for (const u of removed) {
      await u.jobs?.stop();
      ctx.log.info({ unit: u.spec.key }, 'model unloaded');
    }
    if (removed.length) {
      await ctx.scheduler.idle();
      for (const u of removed) {
        if (![...this.units.values()].some((k) => k.model.ref.sha256 === u.model.ref.sha256)) {
          this.release.postMessage(u.model.ref.sha256);
        }
        await u.model.release();
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
  }

  private async buildService(): Promise<Service> {
    const { ctx } = this;
    const names = ctx.conn.names;
    const service = await new Svcm(ctx.conn.nc).add({
      name: names.serviceName,
      version: packageVersion(),
      description: 'onnxfleet worker: online inference, pipeline stages and durable jobs',
      metadata: {
        worker_id: ctx.workerId,
        providers: this.providers.join(','),
        pool_threads: String(ctx.options.threads),
        intra_op_threads: String(ctx.options.intraOp),
        models: [...this.units.keys()].join(','),
      },
      statsHandler: async () => this.statsData(),
    });
    for (const { spec, model } of this.units.values()) {
      const meta = { model: model.name, version: model.ref.version, sha256: model.ref.sha256 };
      if (!spec.stage) {
        service.addEndpoint(`infer-${model.name}`, {
          subject: names.infer(model.name),
          handler: inferHandler(ctx, model),
          metadata: meta,
        });
        continue;
      }
      const role = spec.stage;
      service.addEndpoint(`stage-${role.model}-${role.index}`, {
        subject: role.index === 0 ? names.infer(role.model) : names.stage(role.model, role.index),
        handler: stageHandler(ctx, model, role),
        metadata: { ...meta, stage: `${role.index}/${role.count}`, pipeline: role.model },
      });
    }
    return service;
  }

  /** Stops serving: the service (no new requests) and job consumers (in-flight jobs finish). */
  async stop(): Promise<void> {
    await this.queue;
    await this.service?.stop().catch(() => undefined);
    await Promise.all([...this.units.values()].map((u) => u.jobs?.stop()));
  }

  async releaseAll(): Promise<void> {
    for (const u of this.units.values()) await u.model.release();
    this.release.close();
  }
}
