// Batch jobs from the client's side. A batch is a dataset of items (each one model run) handed to the cluster
// at once: the client stores the items in the Object Store as parts of framed JobRequest records and creates
// the batch's record in the `<prefix>_batches` KV bucket; a coordinator shards it into durable jobs, follows
// their results, and assembles the outputs (one JobResult record per item, in input order) into output parts.
// Progress (done/total, rate, ETA) lives in the KV record, so any client can watch it.
import type { KV } from '@nats-io/kv';
import { nuid } from '@nats-io/nats-core';
import type { ObjectStore } from '@nats-io/obj';
import type { Tensor } from '../engine/tensor.js';
import {
  BadInputError,
  BadMessageError,
  batchRecordCodec,
  CancelledError,
  checkModelName,
  DeadlineExceededError,
  errorFromWire,
  fleetError,
  frameRecord,
  jobRequestCodec,
  jobResultCodec,
  JobNotFoundError,
  unframeRecords,
  type BatchRecord,
  type BatchState,
  type FleetError,
  type Names,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';
import { feedsToWire, outputsFromWire } from './tensors.js';

export type { BatchRecord, BatchState };

/** Items per dataset part unless `chunk` says otherwise; a part also ends once it holds PART_BYTES. */
export const DEFAULT_CHUNK = 1024;
export const PART_BYTES = 8 * 1024 * 1024;

// ---- names and storage shared with the coordinator -------------------------------------------------------

export function batchesBucket(names: Names): string {
  return `${names.prefix}_batches`;
}

export function batchDataBucket(names: Names): string {
  return `${names.prefix}_batch_data`;
}

export function inputPartName(batchId: string, part: number): string {
  return `${batchId}/in/${part}`;
}

export function outputPartName(batchId: string, part: number): string {
  return `${batchId}/out/${part}`;
}

/** The durable job id of one item: `<batch>-<index>` (unique because indices are digits only). */
export function batchJobId(batchId: string, index: number): string {
  return `${batchId}-${index}`;
}

const BATCH_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function checkBatchId(id: string): string {
  if (typeof id !== 'string' || !BATCH_ID.test(id)) {
    throw new TypeError(`invalid batch id ${JSON.stringify(id)}: use 1-100 letters, digits, '_' or '-'`);
  }
  return id;
}

/** The batch records (KV) and the datasets and outputs (Object Store). */
export async function batchStorage(conn: FleetConnection): Promise<{ kv: KV; data: ObjectStore }> {
  const [kv, data] = await Promise.all([
    conn.kv(batchesBucket(conn.names), { history: 1 }),
    conn.objectStore(batchDataBucket(conn.names)),
  ]);
  return { kv, data };
}

/** Which part holds item `index`, given the first index of every part. */
export function partOf(parts: readonly number[], index: number): number {
  let lo = 0;
  let hi = parts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (parts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Collects framed records into parts of at most `chunk` items and about PART_BYTES, storing each when full. */
export class PartWriter {
  readonly starts: number[] = [];
  bytes = 0;
  private records: Uint8Array[] = [];
  private partBytes = 0;
  private count = 0;
  private next = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly name: (part: number) => string,
    private readonly chunk: number,
  ) {}

  async add(record: Uint8Array): Promise<void> {
    if (this.count === 0) this.starts.push(this.next);
    this.partBytes += frameRecord(record, this.records);
    this.count++;
    this.next++;
    if (this.count >= this.chunk || this.partBytes >= PART_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.count === 0) return;
    const part = this.starts.length - 1;
    await this.store.putBlob({ name: this.name(part) }, Buffer.concat(this.records, this.partBytes));
    this.bytes += this.partBytes;
    this.records = [];
    this.partBytes = 0;
    this.count = 0;
  }
}

/** Reads the records of part `k` (views into the part's bytes). */
export async function readPart(
  store: ObjectStore,
  name: string,
  what: string,
): Promise<Generator<Uint8Array>> {
  const bytes = await store.getBlob(name);
  if (!bytes) throw new BadMessageError(`${what}: part '${name}' is missing from the Object Store`);
  return unframeRecords(bytes, `${what} (part '${name}')`);
}

// ---- the client API ---------------------------------------------------------------------------------------

export interface SubmitBatchOptions {
  /** The batch id (1-100 letters, digits, '_' or '-'; default a random NUID). An existing id is refused. */
  batchId?: string;
  /** Names of the outputs wanted from every item (default: all). */
  outputs?: string[];
  /** Items per stored dataset part (default 1024; a part also ends at 8 MiB). */
  chunk?: number;
  /** Model version (default: whatever version the workers host). */
  version?: string;
}

export interface BatchStatus {
  batchId: string;
  model: string;
  state: BatchState;
  total: number;
  /** Items queued as durable jobs so far. */
  submitted: number;
  /** Items with a result (succeeded or failed), and how many of them failed. */
  done: number;
  failed: number;
  /** Items finished per second lately (0 before the first results). */
  rate: number;
  /** Time left at that rate; undefined while unknown. */
  etaMs?: number;
  createdUnixMs: number;
  startedUnixMs?: number;
  finishedUnixMs?: number;
  /** Why the batch as a whole failed (state FAILED). Per-item errors are in batchResults. */
  error?: FleetError;
}

export interface WatchBatchOptions {
  /** Called with every update of the batch's record (a few times per second while it runs). */
  onProgress?: (status: BatchStatus) => void;
  /** Give up after this long with DeadlineExceededError (the batch keeps going). */
  timeoutMs?: number;
  /** Aborting it rejects with CancelledError (the batch keeps going). */
  signal?: AbortSignal;
}

/** One item of a finished batch. */
export interface BatchItemOutcome {
  index: number;
  /** SUCCEEDED (outputs set) or FAILED (error set). */
  state: 'SUCCEEDED' | 'FAILED';
  outputs?: Record<string, Tensor>;
  error?: FleetError;
}

export type BatchItems = Iterable<Record<string, Tensor>> | AsyncIterable<Record<string, Tensor>>;

/**
 * Stores `items` as a dataset in the Object Store (parts of `chunk` items, read from the iterable as they are
 * written, so a large dataset never sits in memory) and submits it as a batch. Resolves with the batch id once
 * the batch is SUBMITTED; a coordinator then runs it.
 */
export async function submitBatch(
  conn: FleetConnection,
  model: string,
  items: BatchItems,
  options: SubmitBatchOptions = {},
): Promise<string> {
  checkModelName(model);
  const batchId = checkBatchId(options.batchId ?? nuid.next());
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunk) || chunk < 1) {
    throw new RangeError(`chunk must be a positive integer (items per part), got ${chunk}`);
  }
  if (!items || (!(Symbol.iterator in items) && !(Symbol.asyncIterator in items))) {
    throw new TypeError(`items must be an iterable or async iterable of feeds, got ${items}`);
  }
  const { kv, data } = await batchStorage(conn);
  const now = Date.now();
  const record: BatchRecord = {
    batchId,
    model,
    modelVersion: options.version,
    state: 'UPLOADING',
    total: 0,
    submitted: 0,
    done: 0,
    failed: 0,
    rate: 0,
    etaMs: 0,
    createdUnixMs: now,
    startedUnixMs: 0,
    finishedUnixMs: 0,
    updatedUnixMs: now,
    inputParts: [],
    outputParts: [],
    inputBytes: 0,
    outputBytes: 0,
    resultsStartSeq: 0,
    owner: '',
    leaseUntilUnixMs: 0,
  };
  let revision: number;
  try {
    revision = await kv.create(batchId, batchRecordCodec.encode(record));
  } catch (e) {
    if (/wrong last sequence|exists/i.test((e as Error).message)) {
      throw new BadInputError(`batch '${batchId}' already exists`, { model, cause: e });
    }
    throw e;
  }
  const parts = new PartWriter(data, (k) => inputPartName(batchId, k), chunk);
  let index = 0;
  try {
    for await (const feeds of items) {
      let inputs;
      try {
        inputs = feedsToWire(feeds, model);
      } catch (e) {
        throw new TypeError(`batch item ${index}: ${(e as Error).message}`, { cause: e });
      }
      const request = jobRequestCodec.encode({
        jobId: batchJobId(batchId, index),
        model,
        modelVersion: options.version,
        inputs,
        outputs: options.outputs,
        submittedUnixMs: now,
        labels: { batch: batchId, index: String(index) },
      });
      await parts.add(request);
      index++;
    }
    await parts.flush();
    await kv.update(
      batchId,
      batchRecordCodec.encode({
        ...record,
        state: 'SUBMITTED',
        total: index,
        inputParts: parts.starts,
        inputBytes: parts.bytes,
        updatedUnixMs: Date.now(),
      }),
      revision,
    );
  } catch (e) {
    // Nothing of a batch that never reached SUBMITTED is kept.
    for (let k = 0; k < parts.starts.length; k++)
      await data.delete(inputPartName(batchId, k)).catch(() => {});
    await kv.purge(batchId).catch(() => {});
    throw e;
  }
  return batchId;
}

function toStatus(r: BatchRecord): BatchStatus {
  const status: BatchStatus = {
    batchId: r.batchId,
    model: r.model,
    state: r.state,
    total: r.total,
    submitted: r.submitted,
    done: r.done,
    failed: r.failed,
    rate: r.rate,
    createdUnixMs: r.createdUnixMs,
  };
  if (r.etaMs > 0 || (r.state === 'DONE' && r.total > 0)) status.etaMs = r.etaMs;
  if (r.startedUnixMs) status.startedUnixMs = r.startedUnixMs;
  if (r.finishedUnixMs) status.finishedUnixMs = r.finishedUnixMs;
  if (r.error) status.error = errorFromWire({ ...r.error, model: r.error.model || r.model });
  return status;
}

function notFound(batchId: string): FleetError {
  return new JobNotFoundError(`batch '${batchId}' not found`);
}

async function readRecord(conn: FleetConnection, batchId: string): Promise<BatchRecord> {
  checkBatchId(batchId);
  const { kv } = await batchStorage(conn);
  const entry = await kv.get(batchId);
  if (!entry || entry.operation !== 'PUT') throw notFound(batchId);
  return batchRecordCodec.decode(entry.value);
}

/** The batch's state and progress; JobNotFoundError for an unknown id. */
export async function batchStatus(conn: FleetConnection, batchId: string): Promise<BatchStatus> {
  return toStatus(await readRecord(conn, batchId));
}

const FINISHED: ReadonlySet<BatchState> = new Set(['DONE', 'FAILED']);

/**
 * Resolves with the batch's final status once it is DONE or FAILED (at once if it already is), calling
 * `onProgress` with each update of its record on the way. Watches the KV record; nothing is polled.
 */
export async function watchBatch(
  conn: FleetConnection,
  batchId: string,
  options: WatchBatchOptions = {},
): Promise<BatchStatus> {
  const { onProgress, timeoutMs, signal } = options;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const cancelled = () =>
    new CancelledError(`watching batch '${batchId}' was cancelled`, { cause: signal?.reason });
  if (signal?.aborted) throw cancelled();
  await readRecord(conn, batchId); // JobNotFoundError before any watch is set up
  const { kv } = await batchStorage(conn);
  const watch = await kv.watch({ key: batchId });
  let stop: (e: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  const onAbort = () => stop(cancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => stop(new DeadlineExceededError(`batch '${batchId}' did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
  try {
    const finished = (async () => {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT') throw notFound(batchId);
        const status = toStatus(batchRecordCodec.decode(entry.value));
        onProgress?.(status);
        if (FINISHED.has(status.state)) return status;
      }
      throw notFound(batchId);
    })();
    finished.catch(() => {});
    return await Promise.race([finished, stopped]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    watch.stop();
  }
}

/**
 * The outcome of every item of a DONE batch, in input order, read part by part (a large result never sits in
 * memory whole). JobNotFoundError for an unknown id; UnavailableError while the batch is not DONE yet; the
 * batch's own error when it FAILED as a whole.
 */
export async function* batchResults(
  conn: FleetConnection,
  batchId: string,
): AsyncGenerator<BatchItemOutcome, void, undefined> {
  const record = await readRecord(conn, batchId);
  if (record.state === 'FAILED' && record.error) {
    throw errorFromWire({ ...record.error, model: record.error.model || record.model });
  }
  if (record.state !== 'DONE') {
    throw fleetError(
      'UNAVAILABLE',
      `batch '${batchId}' is ${record.state} (${record.done}/${record.total} done); its results are there once it is DONE`,
      { model: record.model },
    );
  }
  const { data } = await batchStorage(conn);
  const what = `results of batch '${batchId}'`;
  const fetch = (k: number) => readPart(data, outputPartName(batchId, k), what);
  let next = record.outputParts.length ? fetch(0) : undefined;
  next?.catch(() => {});
  let index = 0;
  for (let k = 0; k < record.outputParts.length; k++) {
    const records = await next!;
    next = k + 1 < record.outputParts.length ? fetch(k + 1) : undefined;
    next?.catch(() => {});
    for (const bytes of records) {
      const r = jobResultCodec.decode(bytes);
      if (r.labels?.index !== String(index) || r.labels?.batch !== batchId) {
        throw new BadMessageError(
          `${what}: record ${index} belongs to item ${r.labels?.index} of batch '${r.labels?.batch}'`,
        );
      }
      if (r.state === 'SUCCEEDED' && !r.error) {
        yield {
          index,
          state: 'SUCCEEDED',
          outputs: outputsFromWire(r.outputs, `item ${index} of batch '${batchId}'`),
        };
      } else {
        const error = r.error
          ? errorFromWire({ ...r.error, model: r.error.model || r.model })
          : fleetError('INTERNAL', `item ${index} ended in state ${r.state} without an error`);
        yield { index, state: 'FAILED', error };
      }
      index++;
    }
  }
  if (index !== record.total) {
    throw new BadMessageError(`${what}: ${index} item results stored for ${record.total} items`);
  }
}
