// Worker presence: a WorkerInfo in the onnxfleet_workers KV bucket, refreshed every heartbeat. The bucket's TTL
// is three beats, so a worker that dies silently disappears from it on its own.
import { hostname, totalmem } from 'node:os';
import { workerInfoCodec, type WorkerInfo } from '../protocol/index.js';
import type { WorkerContext } from './context.js';

export function describeWorker(ctx: WorkerContext, startedUnixMs: number, providers: string[]): WorkerInfo {
  return {
    workerId: ctx.workerId,
    hostname: hostname(),
    pid: process.pid,
    providers,
    poolThreads: ctx.options.threads,
    intraOpThreads: ctx.options.intraOp,
    models: [...ctx.models.values()].map((m) => m.describe()),
    memoryTotalBytes: totalmem(),
    rssBytes: process.memoryUsage.rss(),
    queueDepth: ctx.scheduler.depth,
    inFlight: ctx.scheduler.inFlight,
    startedUnixMs,
    draining: ctx.draining,
    maxQueue: ctx.options.maxQueue,
    memoryBudgetBytes: ctx.options.memoryBudgetBytes,
    heartbeatUnixMs: Date.now(),
  };
}

export class Presence {
  private timer?: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly providers: string[],
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.ctx.options.heartbeatMs);
  }

  info(): WorkerInfo {
    return describeWorker(this.ctx, this.started, this.providers);
  }

  /** Publishes the current WorkerInfo now (also after hosting changes). */
  async beat(): Promise<void> {
    try {
      const kv = await this.ctx.conn.kv(this.ctx.conn.names.workersBucket, {
        ttlMs: this.ctx.options.heartbeatMs * 3,
      });
      await kv.put(this.ctx.workerId, workerInfoCodec.encode(this.info()));
    } catch (e) {
      this.ctx.log.warn({ err: e }, 'presence heartbeat failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    try {
      const kv = await this.ctx.conn.kv(this.ctx.conn.names.workersBucket);
      await kv.delete(this.ctx.workerId);
    } catch {
      /* expires with the TTL */
    }
  }
}
