// The worker's run queue: bounded (OVERLOADED beyond it), deadline-aware (expired work is dropped before it
// runs), and batching: when a pool thread frees up, queued requests of the same model with compatible shapes
// are stacked into one engine run (optionally waiting up to a window for more to arrive).
// Each engine run is a `session.run` span (with one child span per executed node when it is sampled): the
// child of the request it serves, or for a batch, of its first sampled request, linked to every request span.
import { type Context, type Link, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Tensor } from '../engine/tensor.js';
import { bindDims, endRunSpan, fleetMetrics, startRunSpan } from '../observability/index.js';
import {
  DeadlineExceededError,
  OverloadedError,
  asFleetError,
  BadInputError,
  type FleetError,
} from '../protocol/index.js';
import { batchKey, fromPool, poolInputs, splitOutputs, stackInputs } from './batching.js';
import type { HostedModel } from './hosted-model.js';
import type { EnginePool } from './pool/engine-pool.js';
import type { PoolTensor, RunResult } from './pool/tasks.js';

export interface WorkResult {
  outputs: Record<string, Tensor>;
  queueMs: number;
  runMs: number;
  batchSize: number;
}

export interface SubmitOptions {
  /** The context of the request's span (the run's span is its child, or links to it when batched). */
  context?: Context;
}

export interface SchedulerOptions {
  maxQueue: number;
  maxBatch: number;
  batchWindowMs: number;
  intraOpThreads: number;
}

interface WorkItem {
  model: HostedModel;
  feeds: Record<string, Tensor>;
  outputs: string[];
  deadlineUnixMs: number;
  enqueuedMs: number;
  key: string;
  rows: number;
  context: Context;
  resolve(r: WorkResult): void;
  reject(e: FleetError): void;
}

export interface SchedulerStats {
  queued: number;
  running: number;
  runs: number;
  itemsRun: number;
  expired: number;
  rejected: number;
}

export class Scheduler {
  private readonly queue: WorkItem[] = [];
  private running = 0;
  private windowTimer?: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  readonly stats: SchedulerStats = { queued: 0, running: 0, runs: 0, itemsRun: 0, expired: 0, rejected: 0 };
  /** Called after every engine run with the number of requests it served. */
  onBatch?: (model: string, size: number) => void;

  constructor(
    private readonly pool: EnginePool,
    private readonly options: SchedulerOptions,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Queues one request; rejects at once with OVERLOADED when the queue is full. */
  submit(
    model: HostedModel,
    feeds: Record<string, Tensor>,
    outputs: string[],
    deadlineUnixMs: number,
    options: SubmitOptions = {},
  ): Promise<WorkResult> {
    if (this.queue.length >= this.options.maxQueue) {
      this.stats.rejected++;
      return Promise.reject(
        new OverloadedError(
          `worker queue is full (${this.options.maxQueue} requests waiting); retry later or add workers`,
          {
            model: model.name,
          },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const first = Object.values(feeds)[0];
      this.queue.push({
        model,
        feeds,
        outputs,
        deadlineUnixMs,
        enqueuedMs: performance.now(),
        key: model.batchable
          ? `${model.name}@${model.ref.sha256}/${outputs.join(',')}/${batchKey(feeds)}`
          : '',
        rows: first?.dims[0] ?? 1,
        context: options.context ?? ROOT_CONTEXT,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.pool.threads && this.queue.length) {
      this.dropExpired();
      const next = this.nextReady();
      if (!next) break;
      this.dispatch(this.takeBatch(next));
    }
    fleetMetrics().setQueueDepth(QUEUE, this.queue.length);
    this.checkIdle();
  }

  /**
   * The oldest request that may run now: one that does not batch, or whose batch is full or has waited its
   * model's window. Requests still waiting for batch-mates never hold up others queued behind them; when all
   * are waiting, a timer wakes the pump at the earliest window's end.
   */
  private nextReady(): WorkItem | undefined {
    const now = performance.now();
    let wakeInMs = Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    for (const w of this.queue) {
      if (w.key && seen.has(w.key)) continue;
      const maxBatch = this.maxBatchOf(w.model);
      const window = this.windowOf(w.model);
      if (!w.key || window <= 0 || maxBatch <= 1) return w;
      seen.add(w.key);
      const waited = now - w.enqueuedMs;
      const same = this.queue.reduce((n, x) => n + (x.key === w.key ? 1 : 0), 0);
      if (same >= maxBatch || waited >= window) return w;
      wakeInMs = Math.min(wakeInMs, window - waited);
    }
    if (Number.isFinite(wakeInMs) && !this.windowTimer) {
      this.windowTimer = setTimeout(() => {
        this.windowTimer = undefined;
        this.pump();
      }, wakeInMs);
    }
    return undefined;
  }

  private dropExpired(): void {
    const now = Date.now();
    for (let i = 0; i < this.queue.length;) {
      const w = this.queue[i];
      if (w.deadlineUnixMs && now > w.deadlineUnixMs) {
        this.queue.splice(i, 1);
        this.stats.expired++;
        w.reject(
          new DeadlineExceededError(
            `request for model '${w.model.name}' expired after ${(performance.now() - w.enqueuedMs).toFixed(1)} ms in the worker queue`,
            { model: w.model.name },
          ),
        );
      } else i++;
    }
  }

  /** A model's own batching limits (set at push) win over the worker's. */
  private maxBatchOf(model: HostedModel): number {
    return model.ref.maxBatch || this.options.maxBatch;
  }

  private windowOf(model: HostedModel): number {
    return model.ref.batchWindowMs ?? this.options.batchWindowMs;
  }

  private takeBatch(head: WorkItem): WorkItem[] {
    const maxBatch = this.maxBatchOf(head.model);
    if (!head.key || maxBatch <= 1) return this.queue.splice(this.queue.indexOf(head), 1);
    const batch: WorkItem[] = [];
    for (let i = 0; i < this.queue.length && batch.length < maxBatch;) {
      if (this.queue[i].key === head.key) batch.push(...this.queue.splice(i, 1));
      else i++;
    }
    return batch;
  }

  private dispatch(batch: WorkItem[]): void {
    this.running++;
    fleetMetrics().setPoolUtilization(QUEUE, this.running / this.pool.threads);
    this.runBatch(batch)
      .catch(() => undefined)
      .finally(() => {
        this.running--;
        fleetMetrics().setPoolUtilization(QUEUE, this.running / this.pool.threads);
        this.pump();
      });
  }

  private async runBatch(batch: WorkItem[]): Promise<void> {
    const started = performance.now();
    const model = batch[0].model;
    const inputs = batch.length === 1 ? poolInputs(batch[0].feeds) : stackInputs(batch.map((w) => w.feeds));
    const run = startRunSpan(tracer, runSpanOptions(batch));
    if (run.recording) markBatch(batch, run.span.spanContext());
    const dims = run.recording ? bindDims(model.session.inputMetadata, byName(inputs)) : undefined;
    const task = {
      modelKey: model.ref.sha256,
      path: model.path,
      intraOpThreads: this.options.intraOpThreads,
      outputs: batch[0].outputs,
      inputs,
      profile: run.recording,
    };
    let result: RunResult;
    try {
      result = await this.pool.run(task);
    } catch (e) {
      endRunSpan(run, { error: e });
      if (batch.length > 1) return this.runEach(batch); // one bad request must not fail the others
      batch[0].reject(runError(e, model.name));
      return;
    }
    const { session } = model;
    const profile = result.profile && {
      // The thread's clock offset, expressed against the offset endRunSpan adds.
      startUs: result.profile.startUs + (result.wallOffsetUs ?? run.wallOffsetUs) - run.wallOffsetUs,
      nodes: result.profile.nodes,
    };
    endRunSpan(run, { nodes: session.planNodes, provider: session.provider, profile, dims });
    const metrics = fleetMetrics();
    if (profile) metrics.recordRunProfile(model.name, session.provider, profile);
    metrics.recordBatch(model.name, batch.length);
    this.stats.runs++;
    this.stats.itemsRun += batch.length;
    this.onBatch?.(model.name, batch.length);
    const parts =
      batch.length === 1
        ? [fromPool(result.outputs)]
        : splitOutputs(
            result.outputs,
            batch.map((w) => w.rows),
          );
    if (!parts) return this.runEach(batch);
    batch.forEach((w, i) =>
      w.resolve({
        outputs: parts[i],
        queueMs: started - w.enqueuedMs,
        runMs: result.runMs,
        batchSize: batch.length,
      }),
    );
  }

  private async runEach(batch: WorkItem[]): Promise<void> {
    for (const w of batch) await this.runBatch([w]);
  }

  private checkIdle(): void {
    if (this.queue.length || this.running) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

const tracer = trace.getTracer('onnxfleet-worker');
/** The label of the scheduler's queue and pool in the queue-depth and utilization metrics. */
const QUEUE = 'engine';

function byName(inputs: readonly PoolTensor[]): Record<string, PoolTensor> {
  return Object.fromEntries(inputs.map((t) => [t.name, t]));
}

/** The run's parent (the first request whose span is sampled) and, for a batch, a link to every request. */
function runSpanOptions(batch: readonly WorkItem[]) {
  const parent = batch.find((w) => trace.getSpan(w.context)?.isRecording()) ?? batch[0];
  const links: Link[] = [];
  if (batch.length > 1) {
    for (const w of batch) {
      const sc = trace.getSpanContext(w.context);
      if (sc && trace.isSpanContextValid(sc)) links.push({ context: sc });
    }
  }
  return {
    parentContext: parent.context,
    attributes: { 'onnxfleet.model': parent.model.name, 'onnxfleet.batch.size': batch.length },
    links,
  };
}

/** Tells every request span which run served it (and with how many others). */
function markBatch(batch: readonly WorkItem[], run: { traceId: string; spanId: string }): void {
  for (const w of batch) {
    const span = trace.getSpan(w.context);
    if (!span?.isRecording()) continue;
    span.setAttributes({
      'onnxfleet.batch.size': batch.length,
      'onnxfleet.batch.trace_id': run.traceId,
      'onnxfleet.batch.span_id': run.spanId,
    });
    span.addEvent('batched', { 'onnxfleet.batch.size': batch.length, 'onnxfleet.batch.span_id': run.spanId });
  }
}

// The inputs were validated against the model before queueing, so an engine failure at run time comes from
// their values (an index out of range, inconsistent dims): report it as BAD_INPUT with the engine's message,
// which names the node, op and shapes.
function runError(e: unknown, model: string): FleetError {
  const message = e instanceof Error ? e.message : String(e);
  if (/RuntimeError|node '|op /.test(`${(e as Error)?.name} ${message}`))
    return new BadInputError(`model '${model}': ${message}`, { model });
  return asFleetError(e, { model });
}
