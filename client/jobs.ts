// Durable jobs: a JobRequest published to the JetStream work queue (deduplicated by job id), a JobResult read
// back from the results stream (one message per job, kept for the stream's TTL), progress as JobEvents.
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { nuid } from '@nats-io/nats-core';
import type { Tensor } from '../engine/tensor.js';
import {
  CancelledError,
  checkJobId,
  checkModelName,
  DeadlineExceededError,
  errorFromWire,
  InternalError,
  jobEventCodec,
  jobRequestCodec,
  jobResultCodec,
  type FleetError,
  type JobEvent,
  type JobResult,
  type JobState,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';
import { discardBlob, incoming, outgoing } from './large-messages.js';
import { feedsToWire, outputsFromWire } from './tensors.js';
import { withClientSpan } from './trace.js';

export type { JobEvent, JobState };

export interface SubmitJobOptions {
  /**
   * The job's id (1-128 letters, digits, '_' or '-'; default a random NUID). Submitting the same id again
   * within the stream's duplicate window (10 minutes) is a no-op, so a retrying caller cannot run a job twice.
   */
  jobId?: string;
  /** Free-form labels, copied into the result. */
  labels?: Record<string, string>;
  /** Names of the outputs wanted (default: all). */
  outputs?: string[];
  /** Model version (default: whatever version the workers host under that name). */
  version?: string;
}

/** A finished job with its outputs as engine Tensors. */
export interface JobOutcome {
  jobId: string;
  model: string;
  /** SUCCEEDED (outputs set) or FAILED (error set). */
  state: JobState;
  outputs: Record<string, Tensor>;
  /** Why the job failed, as the typed error class of its code. */
  error?: FleetError;
  workerId: string;
  /** Delivery attempts it took (1 when the first worker finished it). */
  attempts: number;
  submittedUnixMs: number;
  finishedUnixMs: number;
  runMs: number;
  labels: Record<string, string>;
}

export interface WatchJobOptions {
  /** Give up after this long with DeadlineExceededError (default: wait until the result is stored). */
  timeoutMs?: number;
  /** Aborting it rejects with CancelledError (the job itself keeps going). */
  signal?: AbortSignal;
  /** Called with the best-effort progress events the worker publishes while the job runs. */
  onEvent?: (event: JobEvent) => void;
}

/** Queues a durable job and returns its id once JetStream has stored it. */
export async function submitJob(
  conn: FleetConnection,
  model: string,
  feeds: Record<string, Tensor>,
  options: SubmitJobOptions = {},
): Promise<string> {
  checkModelName(model);
  const jobId = checkJobId(options.jobId ?? nuid.next());
  const inputs = feedsToWire(feeds, model);
  await conn.ensureJobStreams();
  return withClientSpan(
    'onnxfleet.job.submit',
    { 'onnxfleet.model': model, 'onnxfleet.job_id': jobId },
    async (hdrs) => {
      const bytes = jobRequestCodec.encode({
        jobId,
        model,
        modelVersion: options.version,
        inputs,
        outputs: options.outputs,
        submittedUnixMs: Date.now(),
        labels: options.labels,
      });
      const out = await outgoing(conn, bytes, `job '${jobId}' for model '${model}'`, hdrs);
      try {
        const ack = await conn.js.publish(conn.names.jobs(model), out.data, {
          msgID: jobId,
          headers: out.headers,
        });
        // A duplicate is not stored: the first submission's input stands and this blob would never be read.
        if (ack.duplicate) void discardBlob(conn, out.blob);
      } catch (e) {
        void discardBlob(conn, out.blob);
        throw e;
      }
      return jobId;
    },
  );
}

async function outcomeOf(
  conn: FleetConnection,
  msg: { data: Uint8Array; headers?: JsMsg['headers'] },
  jobId: string,
) {
  // Results may be read many times, so a blob holding one is left in place (the bucket's TTL removes it).
  const { bytes } = await incoming(conn, msg, `result of job '${jobId}'`);
  return toOutcome(jobResultCodec.decode(bytes));
}

function toOutcome(r: JobResult): JobOutcome {
  let error: FleetError | undefined;
  if (r.error) error = errorFromWire({ ...r.error, model: r.error.model || r.model });
  else if (r.state !== 'SUCCEEDED') {
    error = new InternalError(`job '${r.jobId}' ended in state ${r.state} without an error`, {
      model: r.model,
    });
  }
  return {
    jobId: r.jobId,
    model: r.model,
    state: r.state,
    outputs: r.error ? {} : outputsFromWire(r.outputs, `job '${r.jobId}' (model '${r.model}')`),
    error,
    workerId: r.workerId ?? '',
    attempts: r.attempts ?? 0,
    submittedUnixMs: r.submittedUnixMs ?? 0,
    finishedUnixMs: r.finishedUnixMs ?? 0,
    runMs: r.runMs ?? 0,
    labels: r.labels ?? {},
  };
}

/**
 * The job's result, or undefined while it has none (queued, running, or never submitted: the work queue cannot
 * tell these apart). A failed job resolves with `state: 'FAILED'` and `error` set; it does not reject.
 */
export async function jobResult(conn: FleetConnection, jobId: string): Promise<JobOutcome | undefined> {
  checkJobId(jobId);
  await conn.ensureJobStreams();
  const jsm = await conn.manager();
  const stored = await jsm.streams.getMessage(conn.names.resultsStream, {
    last_by_subj: conn.names.results(jobId),
  });
  if (!stored) return undefined;
  return outcomeOf(conn, { data: stored.data, headers: stored.header }, jobId);
}

/**
 * Waits for the job's result (resolving at once if it is already stored). Uses an ordered JetStream consumer
 * on the job's result subject, so nothing is polled.
 */
export async function watchJob(
  conn: FleetConnection,
  jobId: string,
  options: WatchJobOptions = {},
): Promise<JobOutcome> {
  checkJobId(jobId);
  const { timeoutMs, signal, onEvent } = options;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const cancelled = () =>
    new CancelledError(`watching job '${jobId}' was cancelled`, { cause: signal?.reason });
  if (signal?.aborted) throw cancelled();
  const started = Date.now();
  await conn.ensureJobStreams();
  if (signal?.aborted) throw cancelled();

  const events = onEvent
    ? conn.nc.subscribe(conn.names.jobEvents(jobId), {
        callback: (err, msg) => {
          if (err) return;
          try {
            onEvent(jobEventCodec.decode(msg.data));
          } catch {
            /* progress events are best effort; a bad one is skipped */
          }
        },
      })
    : undefined;

  let timer: NodeJS.Timeout | undefined;
  let stop: (e: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  const onAbort = () => stop(cancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  if (timeoutMs !== undefined) {
    timer = setTimeout(
      () => stop(new DeadlineExceededError(`job '${jobId}' has no result after ${timeoutMs} ms`)),
      Math.max(1, timeoutMs - (Date.now() - started)),
    );
  }
  let finished = false;
  let close: (() => Promise<unknown>) | undefined;
  try {
    const first = (async () => {
      const consumer = await conn.js.consumers.get(conn.names.resultsStream, {
        filter_subjects: conn.names.results(jobId),
        deliver_policy: DeliverPolicy.LastPerSubject,
      });
      const messages = await consumer.consume({ max_messages: 1 });
      // Closing stops the pull; deleting removes the server-side consumer now rather than after it idles out.
      close = () => messages.close().then(() => consumer.delete());
      // Gave up while the consumer was being created: release it now.
      if (finished) await close().catch(() => {});
      for await (const m of messages) return m;
      return undefined;
    })();
    first.catch(() => {});
    const msg = await Promise.race([first, stopped]);
    if (!msg) throw new InternalError(`the result stream of job '${jobId}' closed before a result arrived`);
    return await outcomeOf(conn, msg, jobId);
  } finally {
    finished = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    events?.unsubscribe();
    await close?.().catch(() => {});
  }
}
