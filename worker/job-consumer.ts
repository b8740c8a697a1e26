// Durable jobs for one model: a pull consumer on the ONNXFLEET_JOBS work queue, shared by every worker that
// hosts the model. A job is acknowledged only after its result is stored (so a worker killed mid-job means
// redelivery, not loss), long jobs keep their lease with in-progress acks, and a job that fails
// `maxAttempts` deliveries is stored as a FAILED result instead of being retried forever.
import { AckPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import { discardBlob, incoming, outgoing } from '../client/large-messages.js';
import {
  asFleetError,
  checkJobId,
  errorToWire,
  jobEventCodec,
  jobRequestCodec,
  jobResultCodec,
  tensorToWire,
  type BlobRef,
  type FleetError,
  type JobRequest,
  type JobResult,
  type JobState,
} from '../protocol/index.js';
import type { WorkerContext } from './context.js';
import { feedsFromWire } from './infer-endpoint.js';
import type { JobTarget } from './job-target.js';
import { RequestSpan } from './request-span.js';

// Errors that no retry can fix: the job ends at once with an error result.
const FINAL_CODES = new Set(['BAD_INPUT', 'BAD_MESSAGE', 'MODEL_NOT_FOUND', 'PAYLOAD_TOO_LARGE']);

export class JobConsumer {
  private active = 0;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly target: JobTarget,
  ) {}

  async start(): Promise<void> {
    const { conn, options } = this.ctx;
    await conn.ensureJobStreams();
    const names = conn.names;
    const jsm = await conn.manager();
    const durable = names.jobsConsumer(this.target.name);
    try {
      await jsm.consumers.info(names.jobsStream, durable);
    } catch {
      await jsm.consumers
        .add(names.jobsStream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          filter_subject: names.jobs(this.target.name),
          max_deliver: -1, // attempts are counted by the worker, which stores a FAILED result at the limit
          ack_wait: nanos(options.ackWaitMs),
          max_ack_pending: 10_000,
        })
        .catch((e: Error) => {
          if (!/already in use|exists/i.test(e.message)) throw e;
        });
    }
    const consumer = await conn.js.consumers.get(names.jobsStream, durable);
    this.loop = this.run(consumer);
  }

  /** Stops fetching; resolves when every job taken has been acknowledged or handed back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    while (this.active > 0) await new Promise<void>((r) => (this.wake = r));
  }

  private async run(consumer: Consumer): Promise<void> {
    const limit = this.ctx.options.jobConcurrency;
    while (!this.stopped) {
      if (this.active >= limit) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      try {
        const batch = await consumer.fetch({ max_messages: limit - this.active, expires: 1000 });
        for await (const m of batch) {
          if (this.stopped) {
            m.nak(); // hand it straight back to another worker
            continue;
          }
          this.active++;
          void this.handle(m).finally(() => {
            this.active--;
            this.wake?.();
          });
        }
      } catch (e) {
        if (this.stopped || this.ctx.conn.nc.isClosed()) break;
        this.ctx.log.warn({ err: e, model: this.target.name }, 'job fetch failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const { ctx, target } = this;
    const attempt = m.info.deliveryCount;
    // One `job` span per delivery, a child of the submitter's span (its context travels in the job's headers).
    const job = new RequestSpan('job', SpanKind.CONSUMER, m.headers, {
      'onnxfleet.model': target.name,
      'onnxfleet.model.version': target.version,
      'onnxfleet.worker_id': ctx.workerId,
      'onnxfleet.job.attempt': attempt,
      'messaging.system': 'nats',
      'messaging.destination.name': m.subject,
    });
    let failure: { error: unknown; code: string } | undefined;
    const keepLease = setInterval(() => m.working(), Math.max(100, ctx.options.ackWaitMs / 3));
    let req: JobRequest | undefined;
    let blob: BlobRef | undefined;
    const started = performance.now();
    try {
      try {
        const got = await incoming(ctx.conn, m, `job for model '${target.name}'`);
        blob = got.blob;
        req = jobRequestCodec.decode(got.bytes);
        checkJobId(req.jobId);
        job.span.setAttribute('onnxfleet.job_id', req.jobId);
      } catch (e) {
        failure = { error: e, code: asFleetError(e).code };
        // Undecodable: record the failure under the id the submitter gave (Nats-Msg-Id), then drop it.
        const id = m.headers?.get('Nats-Msg-Id') ?? '';
        if (/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
          await this.store(this.failed(id, undefined, asFleetError(e), attempt));
        }
        ctx.log.warn({ err: e, model: target.name, seq: m.seq }, 'dropped an undecodable job');
        m.term();
        return;
      }
      if (attempt > 1 && (await this.resultStored(req.jobId))) {
        m.ack(); // finished by a worker that died before acknowledging
        return;
      }
      if (attempt > ctx.options.maxAttempts) {
        const e = asFleetError(
          new Error(`gave up after ${attempt - 1} deliveries: the workers running it failed or died`),
        );
        failure = { error: e, code: e.code };
        await this.store(this.failed(req.jobId, req, e, attempt));
        await m.ackAck();
        void discardBlob(ctx.conn, blob);
        return;
      }
      this.event(req.jobId, 'RUNNING', attempt);
      const feeds = feedsFromWire(req.inputs, target.name);
      const outputs = await target.run(feeds, req.outputs ?? [], job.context);
      target.hosted.requests++;
      await this.store({
        jobId: req.jobId,
        model: target.name,
        state: 'SUCCEEDED',
        outputs: Object.entries(outputs).map(([name, t]) => tensorToWire(name, t)),
        workerId: ctx.workerId,
        attempts: attempt,
        submittedUnixMs: req.submittedUnixMs,
        finishedUnixMs: Date.now(),
        runMs: performance.now() - started,
        labels: req.labels,
      });
      await m.ackAck();
      void discardBlob(ctx.conn, blob);
    } catch (e) {
      target.hosted.errors++;
      const fe = asFleetError(e, { model: target.name, workerId: ctx.workerId });
      failure = { error: fe, code: fe.code };
      if (req && (FINAL_CODES.has(fe.code) || attempt >= ctx.options.maxAttempts)) {
        try {
          await this.store(this.failed(req.jobId, req, fe, attempt));
          await m.ackAck();
          void discardBlob(ctx.conn, blob);
          return;
        } catch (storeError) {
          ctx.log.warn(
            { err: storeError, job: req.jobId },
            'could not store a job failure; it will be redelivered',
          );
        }
      }
      // Transient (or the result could not be stored): let it come back, a little later each time.
      m.nak(Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)));
    } finally {
      clearInterval(keepLease);
      if (failure) job.fail(failure.error, failure.code);
      else job.ok();
    }
  }

  private failed(jobId: string, req: JobRequest | undefined, e: FleetError, attempt: number): JobResult {
    return {
      jobId,
      model: this.target.name,
      state: 'FAILED',
      outputs: [],
      error: errorToWire(e),
      workerId: this.ctx.workerId,
      attempts: attempt,
      submittedUnixMs: req?.submittedUnixMs ?? 0,
      finishedUnixMs: Date.now(),
      labels: req?.labels,
    };
  }

  /** Stores a result (idempotent: the message id is derived from the job id). */
  private async store(result: JobResult): Promise<void> {
    const { conn } = this.ctx;
    const out = await outgoing(conn, jobResultCodec.encode(result), `result of job '${result.jobId}'`);
    await conn.js.publish(conn.names.results(result.jobId), out.data, {
      msgID: `result-${result.jobId}`,
      ...(out.headers ? { headers: out.headers } : {}),
    });
    this.event(result.jobId, result.state, result.attempts ?? 0);
  }

  private async resultStored(jobId: string): Promise<boolean> {
    const { conn } = this.ctx;
    const jsm = await conn.manager();
    try {
      return (
        (await jsm.streams.getMessage(conn.names.resultsStream, {
          last_by_subj: conn.names.results(jobId),
        })) !== null
      );
    } catch {
      return false;
    }
  }

  private event(jobId: string, state: JobState, attempt: number): void {
    const { conn, workerId } = this.ctx;
    try {
      conn.nc.publish(
        conn.names.jobEvents(jobId),
        jobEventCodec.encode({ jobId, state, workerId, attempt, unixMs: Date.now() }),
      );
    } catch {
      /* best effort */
    }
  }
}
