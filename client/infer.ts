// Online inference: one NATS request/reply on onnxfleet.infer.<model>, served by a queue group of workers.
import { nuid, type Msg } from '@nats-io/nats-core';
import type { Tensor } from '../engine/tensor.js';
import {
  CancelledError,
  checkModelName,
  DeadlineExceededError,
  errorFromWire,
  inferRequestCodec,
  inferResponseCodec,
  UnavailableError,
  ModelNotFoundError,
  asFleetError,
  FleetError,
  blobRefCodec,
  HEADERS,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';
import { discardBlob, incoming, outgoing } from './large-messages.js';
import { resolveModel } from './models.js';
import { isNoResponders, isTimeout } from './nats-errors.js';
import { feedsToWire, outputsFromWire } from './tensors.js';
import { withClientSpan } from './trace.js';

/** Default time an infer call waits for its reply. */
export const DEFAULT_INFER_TIMEOUT_MS = 60_000;

export interface InferOptions {
  /**
   * How long to wait for the reply (default 60 s). It is also sent to the worker as an absolute deadline: work
   * still queued when it passes is dropped and answered with DEADLINE_EXCEEDED.
   */
  timeoutMs?: number;
  /** Aborting it rejects the call with CancelledError (the worker may still run the request). */
  signal?: AbortSignal;
  /** Names of the outputs wanted (default: all). */
  outputs?: string[];
  /** Model version (default: whatever version the workers host under that name). */
  version?: string;
}

/** What the worker said about how the request was served. */
export interface InferInfo {
  workerId: string;
  requestId: string;
  queueMs: number;
  runMs: number;
  batchSize: number;
}

export interface InferReply {
  outputs: Record<string, Tensor>;
  info: InferInfo;
}

function checkTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_INFER_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  return Math.ceil(timeoutMs);
}

function cancelled(model: string, signal: AbortSignal): FleetError {
  return new CancelledError(`infer on model '${model}' was cancelled`, { model, cause: signal.reason });
}

/** A reply that arrived after the caller gave up: delete the blob it may reference. */
function dropLateReply(conn: FleetConnection, msg: Msg): void {
  if (!msg.headers?.get(HEADERS.blob)) return;
  try {
    void discardBlob(conn, blobRefCodec.decode(msg.data));
  } catch {
    /* not a blob reference; nothing to clean */
  }
}

/** Runs `model` on `feeds` on a worker and returns its outputs and how it was served. */
export async function inferWithInfo(
  conn: FleetConnection,
  model: string,
  feeds: Record<string, Tensor>,
  options: InferOptions = {},
): Promise<InferReply> {
  checkModelName(model);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const { signal } = options;
  if (signal?.aborted) throw cancelled(model, signal);
  const inputs = feedsToWire(feeds, model);
  const requestId = nuid.next();
  return withClientSpan(
    'onnxfleet.infer',
    { 'onnxfleet.model': model, 'onnxfleet.request_id': requestId },
    async (hdrs) => {
      const deadlineUnixMs = Date.now() + timeoutMs;
      const bytes = inferRequestCodec.encode({
        model,
        modelVersion: options.version,
        inputs,
        outputs: options.outputs,
        deadlineUnixMs,
        requestId,
      });
      const out = await outgoing(conn, bytes, `infer request for model '${model}'`, hdrs);
      const remaining = Math.max(1, deadlineUnixMs - Date.now());
      const request = conn.nc.request(conn.names.infer(model), out.data, {
        timeout: remaining,
        headers: out.headers,
      });
      let msg: Msg;
      try {
        msg = await raceAbort(
          request,
          signal,
          () => cancelled(model, signal!),
          (late) => dropLateReply(conn, late),
        );
      } catch (e) {
        // The worker never read the request (or no longer needs it): its blob can go.
        void discardBlob(conn, out.blob);
        if (e instanceof FleetError) throw e;
        if (isNoResponders(e)) throw await noWorker(conn, model, e);
        if (isTimeout(e)) {
          throw new DeadlineExceededError(`infer on model '${model}' got no reply within ${timeoutMs} ms`, {
            model,
            cause: e,
          });
        }
        throw asFleetError(e, { model });
      }
      const { bytes: replyBytes, blob } = await incoming(conn, msg, `infer reply for model '${model}'`);
      try {
        const reply = inferResponseCodec.decode(replyBytes);
        if (reply.error) throw errorFromWire({ ...reply.error, model: reply.error.model || model });
        return {
          outputs: outputsFromWire(reply.outputs, `model '${model}'`),
          info: {
            workerId: reply.workerId ?? '',
            requestId: reply.requestId ?? '',
            queueMs: reply.queueMs ?? 0,
            runMs: reply.runMs ?? 0,
            batchSize: reply.batchSize ?? 0,
          },
        };
      } finally {
        // Outputs decoded from the blob are views of bytes already in memory; the stored copy can go.
        void discardBlob(conn, blob);
      }
    },
  );
}

/** Runs `model` on `feeds` on a worker and returns its outputs. */
export async function infer(
  conn: FleetConnection,
  model: string,
  feeds: Record<string, Tensor>,
  options: InferOptions = {},
): Promise<Record<string, Tensor>> {
  return (await inferWithInfo(conn, model, feeds, options)).outputs;
}

/**
 * `promise`, or a rejection with `onAbort()` as soon as `signal` aborts. A value that arrives after the abort is
 * handed to `late` (so resources it holds can be released) and its rejection is swallowed.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => Error,
  late: (value: T) => void = () => {},
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const abort = () => {
      if (done) return;
      done = true;
      reject(onAbort());
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        if (done) return late(v);
        done = true;
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        if (done) return;
        done = true;
        reject(e);
      },
    );
    if (signal.aborted) abort();
  });
}

/**
 * Why nobody answered: a model the index does not know is MODEL_NOT_FOUND; a known model that no worker serves
 * right now (not placed yet, workers restarting) is UNAVAILABLE.
 */
async function noWorker(conn: FleetConnection, model: string, cause: unknown): Promise<FleetError> {
  const where = `no responders on ${conn.names.infer(model)}`;
  try {
    await resolveModel(conn, model);
  } catch (e) {
    if (e instanceof ModelNotFoundError) {
      return new ModelNotFoundError(
        `model '${model}' is not in the model index and no worker serves it (${where})`,
        {
          model,
          cause,
        },
      );
    }
  }
  return new UnavailableError(`no worker serves model '${model}' right now (${where})`, { model, cause });
}
