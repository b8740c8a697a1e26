// The client SDK's entry point: one object bound to one NATS connection, with every client operation on it.
import type { Tensor } from '../engine/tensor.js';
import type { ModelRef } from '../protocol/index.js';
import {
  batchResults,
  batchStatus,
  submitBatch,
  watchBatch,
  type BatchItemOutcome,
  type BatchItems,
  type BatchStatus,
  type SubmitBatchOptions,
  type WatchBatchOptions,
} from './batch.js';
import { FleetConnection, type ConnectOptions } from './connection.js';
import { infer, inferWithInfo, type InferOptions, type InferReply } from './infer.js';
import {
  jobResult,
  submitJob,
  watchJob,
  type JobOutcome,
  type SubmitJobOptions,
  type WatchJobOptions,
} from './jobs.js';
import { fetchModel, listModels, pushModel, resolveModel, type PushOptions } from './models.js';
import { listWorkers, type WorkersOptions, type WorkerSummary } from './workers.js';

/**
 * Connects to the NATS server(s) of an onnxfleet cluster.
 *
 * ```ts
 * const fleet = await connect({ servers: 'nats://127.0.0.1:4222' });
 * const { probs } = await fleet.infer('resnet18', { input: tensor }, { timeoutMs: 2000 });
 * await fleet.close();
 * ```
 *
 * Fails with UnavailableError when no server can be reached.
 */
export async function connect(options: ConnectOptions = {}): Promise<FleetClient> {
  return new FleetClient(await FleetConnection.open({ name: 'onnxfleet-client', ...options }));
}

/**
 * A client of an onnxfleet cluster. Every failure is a FleetError subclass with a `code` (ModelNotFoundError,
 * BadInputError, DeadlineExceededError, UnavailableError, ...); argument mistakes are TypeError/RangeError.
 */
export class FleetClient {
  /** Wraps an open connection (use `connect()` unless you share one connection between components). */
  constructor(readonly connection: FleetConnection) {}

  /**
   * Runs `model` on a worker (request/reply) and returns its outputs by name.
   * - no worker hosts the model: UnavailableError;
   * - no reply within `timeoutMs` (default 60 s), or the worker dropped it past its deadline: DeadlineExceededError;
   * - `signal` aborted: CancelledError;
   * - the worker's errors come back as their classes (ModelNotFoundError, BadInputError, OverloadedError, ...).
   *
   * Inputs larger than the server's max_payload travel through the Object Store (unless the connection was
   * opened with `largeMessages: 'reject'`, which makes them a PayloadTooLargeError).
   */
  infer(
    model: string,
    feeds: Record<string, Tensor>,
    options?: InferOptions,
  ): Promise<Record<string, Tensor>> {
    return infer(this.connection, model, feeds, options);
  }

  /** Like `infer`, plus which worker served it, queue and run time and the batch it ran in. */
  inferWithInfo(model: string, feeds: Record<string, Tensor>, options?: InferOptions): Promise<InferReply> {
    return inferWithInfo(this.connection, model, feeds, options);
  }

  /**
   * Queues a durable job (JetStream work queue; at-least-once, results keyed by job id) and returns its id.
   * Submitting an id again within 10 minutes is a no-op.
   */
  submitJob(model: string, feeds: Record<string, Tensor>, options?: SubmitJobOptions): Promise<string> {
    return submitJob(this.connection, model, feeds, options);
  }

  /**
   * The job's result, or undefined while it has none. A failed job resolves with `state: 'FAILED'` and `error`
   * (a FleetError); it does not reject.
   */
  jobResult(jobId: string): Promise<JobOutcome | undefined> {
    return jobResult(this.connection, jobId);
  }

  /**
   * Resolves with the job's result once it is stored (at once if it already is). Rejects with
   * DeadlineExceededError after `timeoutMs` or CancelledError when `signal` aborts; `onEvent` receives progress.
   */
  watchJob(jobId: string, options?: WatchJobOptions): Promise<JobOutcome> {
    return watchJob(this.connection, jobId, options);
  }

  /**
   * Submits a batch job: stores `items` (each the feeds of one model run) as a dataset in the Object Store and
   * resolves with the batch id once it is SUBMITTED. A coordinator queues the items as durable jobs and
   * assembles their outputs in input order. An existing `batchId` is a BadInputError.
   */
  submitBatch(model: string, items: BatchItems, options?: SubmitBatchOptions): Promise<string> {
    return submitBatch(this.connection, model, items, options);
  }

  /** State and progress (done/total, failed, rate, ETA) of a batch; JobNotFoundError for an unknown id. */
  batchStatus(batchId: string): Promise<BatchStatus> {
    return batchStatus(this.connection, batchId);
  }

  /**
   * Resolves with the final status once the batch is DONE or FAILED, calling `onProgress` on each update.
   * DeadlineExceededError after `timeoutMs`, CancelledError when `signal` aborts (the batch keeps going).
   */
  watchBatch(batchId: string, options?: WatchBatchOptions): Promise<BatchStatus> {
    return watchBatch(this.connection, batchId, options);
  }

  /**
   * Every item's outcome of a DONE batch, in input order: `{ index, state, outputs }` or `{ index, state:
   * 'FAILED', error }`. Read part by part, so a large result never sits in memory whole.
   */
  batchResults(batchId: string): AsyncIterable<BatchItemOutcome> {
    return batchResults(this.connection, batchId);
  }

  /**
   * Uploads a model file (or its bytes) to the cluster's Object Store, content-addressed by sha256 (the same
   * content is stored once), and binds `name` at `version` (default "1") and `name` latest to it.
   */
  pushModel(source: string | Uint8Array, options: PushOptions): Promise<ModelRef> {
    return pushModel(this.connection, source, options);
  }

  /** Every pushed name and version, sorted by name, then push time. */
  listModels(): Promise<ModelRef[]> {
    return listModels(this.connection);
  }

  /** The index entry of `name` at `version` (default latest); ModelNotFoundError when there is none. */
  resolveModel(name: string, version?: string): Promise<ModelRef> {
    return resolveModel(this.connection, name, version);
  }

  /**
   * Downloads a pushed model into `cacheDir` (as <sha256>.onnx; a cached copy is reused only if its hash
   * matches) and returns its path.
   */
  async fetchModel(name: string, options: { version?: string; cacheDir: string }): Promise<string> {
    const ref = await resolveModel(this.connection, name, options.version);
    return fetchModel(this.connection, ref, options.cacheDir);
  }

  /** The workers that answer the NATS service API, with their models, providers and stats. */
  workers(options?: WorkersOptions): Promise<WorkerSummary[]> {
    return listWorkers(this.connection, options);
  }

  /** Drains and closes the connection (pending replies are delivered first). */
  close(): Promise<void> {
    return this.connection.close();
  }
}
