// Typed encode/decode for every onnxfleet message. Decoding never throws anything but BadMessageError, which
// names the message type and what was wrong, so a corrupt payload is answered instead of crashing a handler.
import type protobuf from 'protobufjs';
import { BadMessageError, fleetError, type ErrorCode, type FleetError } from './errors.js';
import { wireEnum, wireType } from './schema.js';
import type { WireTensor } from './tensors.js';

export const PROTOCOL_VERSION = 1;

export interface WireError {
  code: ErrorCode;
  message: string;
  model?: string;
  workerId?: string;
}

export interface InferRequest {
  model: string;
  modelVersion?: string;
  inputs: WireTensor[];
  outputs?: string[];
  deadlineUnixMs?: number;
  requestId?: string;
}

export interface InferResponse {
  outputs: WireTensor[];
  error?: WireError;
  workerId?: string;
  requestId?: string;
  queueMs?: number;
  runMs?: number;
  batchSize?: number;
}

export interface JobRequest {
  jobId: string;
  model: string;
  modelVersion?: string;
  inputs: WireTensor[];
  outputs?: string[];
  submittedUnixMs?: number;
  labels?: Record<string, string>;
}

export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface JobResult {
  jobId: string;
  model: string;
  state: JobState;
  outputs: WireTensor[];
  error?: WireError;
  workerId?: string;
  attempts?: number;
  submittedUnixMs?: number;
  finishedUnixMs?: number;
  runMs?: number;
  labels?: Record<string, string>;
}

export interface JobEvent {
  jobId: string;
  state: JobState;
  workerId?: string;
  attempt?: number;
  unixMs?: number;
}

export interface BlobRef {
  bucket: string;
  name: string;
  size: number;
  sha256: string;
}

export interface ModelRef {
  name: string;
  version: string;
  sha256: string;
  size: number;
  pushedUnixMs: number;
  fileName?: string;
  /** Pipeline stages wanted (0/undefined: split only when the model fits no worker). */
  stages?: number;
  /** Replicas wanted (0/undefined: by demand). */
  replicas?: number;
  /** Largest batch for this model in every worker (0/undefined: the worker's --max-batch). */
  maxBatch?: number;
  /** Batching window for this model in ms (undefined: the worker's --batch-window-ms). */
  batchWindowMs?: number;
}

export interface LoadedModel {
  name: string;
  version: string;
  sha256: string;
  weightBytes: number;
  requests: number;
  errors: number;
  loadMs: number;
  inputs: string[];
  outputs: string[];
}

export interface WorkerInfo {
  workerId: string;
  hostname: string;
  pid: number;
  providers: string[];
  poolThreads: number;
  intraOpThreads: number;
  models: LoadedModel[];
  memoryTotalBytes: number;
  rssBytes: number;
  queueDepth: number;
  inFlight: number;
  startedUnixMs: number;
  draining: boolean;
  maxQueue: number;
  heartbeatUnixMs: number;
  memoryBudgetBytes: number;
}

export interface StageAssignment {
  index: number;
  modelName: string;
  version: string;
  sha256: string;
  workers: string[];
  inputs: string[];
  outputs: string[];
  weightBytes: number;
  flops: number;
}

export interface ModelPlacement {
  model: string;
  version: string;
  sha256: string;
  workers: string[];
  stages: StageAssignment[];
  graphOutputs: string[];
  updatedUnixMs: number;
  reason: string;
}

export interface Codec<T> {
  readonly type: string;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

// protobufjs returns int64 as Long (or number); uint64 sizes fit doubles for every size we handle.
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === undefined || v === null) return 0;
  return Number(v.toString());
}

function enumName(enumType: string, value: number): string {
  return wireEnum(enumType).valuesById[value] ?? `UNKNOWN_${value}`;
}

function enumValue(enumType: string, name: string): number {
  const v = wireEnum(enumType).values[name];
  if (v === undefined) throw new TypeError(`unknown ${enumType} '${name}'`);
  return v;
}

type Plain = Record<string, unknown>;

function tensorOut(t: Plain): WireTensor {
  const strings = t.strings as Uint8Array[] | undefined;
  const out: WireTensor = {
    name: (t.name as string) ?? '',
    dtype: (t.dtype as number) ?? 0,
    dims: ((t.dims as unknown[]) ?? []).map(num),
    data: (t.data as Uint8Array) ?? new Uint8Array(0),
  };
  if (strings && strings.length) out.strings = strings;
  return out;
}

function errorIn(e: WireError | undefined): Plain | undefined {
  if (!e) return undefined;
  return {
    code: enumValue('ErrorCode', e.code),
    message: e.message,
    model: e.model ?? '',
    workerId: e.workerId ?? '',
  };
}

function errorOut(e: Plain | undefined | null): WireError | undefined {
  if (!e) return undefined;
  const out: WireError = {
    code: enumName('ErrorCode', (e.code as number) ?? 0) as ErrorCode,
    message: (e.message as string) ?? '',
  };
  if (e.model) out.model = e.model as string;
  if (e.workerId) out.workerId = e.workerId as string;
  return out;
}

function codec<T>(
  typeName: string,
  toPlain: (m: T) => Plain,
  fromPlain: (p: Plain) => T,
  versioned: boolean,
): Codec<T> {
  let type: protobuf.Type | undefined;
  const t = () => (type ??= wireType(typeName));
  return {
    type: typeName,
    encode(message: T): Uint8Array {
      const plain = toPlain(message);
      if (versioned) plain.protocolVersion = PROTOCOL_VERSION;
      return t().encode(plain).finish();
    },
    decode(bytes: Uint8Array): T {
      let plain: Plain;
      try {
        // protobufjs's Buffer reader clamps a string that runs past the end instead of failing, so a truncated
        // message could decode as a valid one; a plain Uint8Array view goes through its checked reader.
        const view = Buffer.isBuffer(bytes)
          ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
          : bytes;
        plain = t().decode(view) as unknown as Plain;
      } catch (e) {
        throw new BadMessageError(
          `not a valid onnxfleet ${typeName} message (${bytes.byteLength} bytes): ${(e as Error).message}`,
        );
      }
      if (versioned && plain.protocolVersion !== PROTOCOL_VERSION) {
        throw new BadMessageError(
          `${typeName} has protocol version ${plain.protocolVersion ?? 0}; this peer speaks version ${PROTOCOL_VERSION}`,
        );
      }
      try {
        return fromPlain(plain);
      } catch (e) {
        throw new BadMessageError(`malformed ${typeName}: ${(e as Error).message}`);
      }
    },
  };
}

const identity = <T>(m: T) => m as unknown as Plain;

export const inferRequestCodec = codec<InferRequest>(
  'InferRequest',
  (m) => ({
    ...m,
    modelVersion: m.modelVersion ?? '',
    outputs: m.outputs ?? [],
    deadlineUnixMs: m.deadlineUnixMs ?? 0,
    requestId: m.requestId ?? '',
  }),
  (p) => ({
    model: (p.model as string) ?? '',
    modelVersion: (p.modelVersion as string) || undefined,
    inputs: ((p.inputs as Plain[]) ?? []).map(tensorOut),
    outputs: (p.outputs as string[]) ?? [],
    deadlineUnixMs: num(p.deadlineUnixMs),
    requestId: (p.requestId as string) ?? '',
  }),
  true,
);

export const inferResponseCodec = codec<InferResponse>(
  'InferResponse',
  (m) => ({ ...m, error: errorIn(m.error) }),
  (p) => ({
    outputs: ((p.outputs as Plain[]) ?? []).map(tensorOut),
    error: errorOut(p.error as Plain | undefined),
    workerId: (p.workerId as string) ?? '',
    requestId: (p.requestId as string) ?? '',
    queueMs: (p.queueMs as number) ?? 0,
    runMs: (p.runMs as number) ?? 0,
    batchSize: (p.batchSize as number) ?? 0,
  }),
  true,
);

export const jobRequestCodec = codec<JobRequest>(
  'JobRequest',
  (m) => ({ ...m, modelVersion: m.modelVersion ?? '', outputs: m.outputs ?? [], labels: m.labels ?? {} }),
  (p) => ({
    jobId: (p.jobId as string) ?? '',
    model: (p.model as string) ?? '',
    modelVersion: (p.modelVersion as string) || undefined,
    inputs: ((p.inputs as Plain[]) ?? []).map(tensorOut),
    outputs: (p.outputs as string[]) ?? [],
    submittedUnixMs: num(p.submittedUnixMs),
    labels: (p.labels as Record<string, string>) ?? {},
  }),
  true,
);

export const jobResultCodec = codec<JobResult>(
  'JobResult',
  (m) => ({ ...m, state: enumValue('JobState', m.state), error: errorIn(m.error), labels: m.labels ?? {} }),
  (p) => ({
    jobId: (p.jobId as string) ?? '',
    model: (p.model as string) ?? '',
    state: enumName('JobState', (p.state as number) ?? 0) as JobState,
    outputs: ((p.outputs as Plain[]) ?? []).map(tensorOut),
    error: errorOut(p.error as Plain | undefined),
    workerId: (p.workerId as string) ?? '',
    attempts: (p.attempts as number) ?? 0,
    submittedUnixMs: num(p.submittedUnixMs),
    finishedUnixMs: num(p.finishedUnixMs),
    runMs: (p.runMs as number) ?? 0,
    labels: (p.labels as Record<string, string>) ?? {},
  }),
  true,
);

export const jobEventCodec = codec<JobEvent>(
  'JobEvent',
  (m) => ({ ...m, state: enumValue('JobState', m.state) }),
  (p) => ({
    jobId: (p.jobId as string) ?? '',
    state: enumName('JobState', (p.state as number) ?? 0) as JobState,
    workerId: (p.workerId as string) ?? '',
    attempt: (p.attempt as number) ?? 0,
    unixMs: num(p.unixMs),
  }),
  false,
);

export const blobRefCodec = codec<BlobRef>(
  'BlobRef',
  identity,
  (p) => ({
    bucket: (p.bucket as string) ?? '',
    name: (p.name as string) ?? '',
    size: num(p.size),
    sha256: (p.sha256 as string) ?? '',
  }),
  false,
);

export const modelRefCodec = codec<ModelRef>(
  'ModelRef',
  (m) => ({ ...m, fileName: m.fileName ?? '' }),
  (p) => ({
    name: (p.name as string) ?? '',
    version: (p.version as string) ?? '',
    sha256: (p.sha256 as string) ?? '',
    size: num(p.size),
    pushedUnixMs: num(p.pushedUnixMs),
    fileName: (p.fileName as string) ?? '',
    stages: (p.stages as number) ?? 0,
    replicas: (p.replicas as number) ?? 0,
    maxBatch: (p.maxBatch as number) ?? 0,
    ...(p.batchWindowMs !== undefined && p.batchWindowMs !== null
      ? { batchWindowMs: p.batchWindowMs as number }
      : {}),
  }),
  false,
);

function loadedModelOut(p: Plain): LoadedModel {
  return {
    name: (p.name as string) ?? '',
    version: (p.version as string) ?? '',
    sha256: (p.sha256 as string) ?? '',
    weightBytes: num(p.weightBytes),
    requests: num(p.requests),
    errors: num(p.errors),
    loadMs: (p.loadMs as number) ?? 0,
    inputs: (p.inputs as string[]) ?? [],
    outputs: (p.outputs as string[]) ?? [],
  };
}

export const workerInfoCodec = codec<WorkerInfo>(
  'WorkerInfo',
  identity,
  (p) => ({
    workerId: (p.workerId as string) ?? '',
    hostname: (p.hostname as string) ?? '',
    pid: (p.pid as number) ?? 0,
    providers: (p.providers as string[]) ?? [],
    poolThreads: (p.poolThreads as number) ?? 0,
    intraOpThreads: (p.intraOpThreads as number) ?? 0,
    models: ((p.models as Plain[]) ?? []).map(loadedModelOut),
    memoryTotalBytes: num(p.memoryTotalBytes),
    rssBytes: num(p.rssBytes),
    queueDepth: (p.queueDepth as number) ?? 0,
    inFlight: (p.inFlight as number) ?? 0,
    startedUnixMs: num(p.startedUnixMs),
    draining: (p.draining as boolean) ?? false,
    maxQueue: (p.maxQueue as number) ?? 0,
    heartbeatUnixMs: num(p.heartbeatUnixMs),
    memoryBudgetBytes: num(p.memoryBudgetBytes),
  }),
  true,
);

function stageOut(p: Plain): StageAssignment {
  return {
    index: (p.index as number) ?? 0,
    modelName: (p.modelName as string) ?? '',
    version: (p.version as string) ?? '',
    sha256: (p.sha256 as string) ?? '',
    workers: (p.workers as string[]) ?? [],
    inputs: (p.inputs as string[]) ?? [],
    outputs: (p.outputs as string[]) ?? [],
    weightBytes: num(p.weightBytes),
    flops: (p.flops as number) ?? 0,
  };
}

export const modelPlacementCodec = codec<ModelPlacement>(
  'ModelPlacement',
  identity,
  (p) => ({
    model: (p.model as string) ?? '',
    version: (p.version as string) ?? '',
    sha256: (p.sha256 as string) ?? '',
    workers: (p.workers as string[]) ?? [],
    stages: ((p.stages as Plain[]) ?? []).map(stageOut),
    graphOutputs: (p.graphOutputs as string[]) ?? [],
    updatedUnixMs: num(p.updatedUnixMs),
    reason: (p.reason as string) ?? '',
  }),
  true,
);

/** The typed error a wire error stands for. */
export function errorFromWire(e: WireError): FleetError {
  return fleetError(e.code, e.message, { model: e.model, workerId: e.workerId });
}

/** A FleetError as it travels. */
export function errorToWire(e: FleetError): WireError {
  const out: WireError = { code: e.code, message: e.message };
  if (e.model) out.model = e.model;
  if (e.workerId) out.workerId = e.workerId;
  return out;
}

export type BatchState = 'UPLOADING' | 'SUBMITTED' | 'RUNNING' | 'ASSEMBLING' | 'DONE' | 'FAILED';

/** A batch job's record in the `<prefix>_batches` KV bucket (see BatchRecord in onnxfleet.proto). */
export interface BatchRecord {
  batchId: string;
  model: string;
  modelVersion?: string;
  state: BatchState;
  total: number;
  submitted: number;
  done: number;
  failed: number;
  rate: number;
  etaMs: number;
  createdUnixMs: number;
  startedUnixMs: number;
  finishedUnixMs: number;
  updatedUnixMs: number;
  inputParts: number[];
  outputParts: number[];
  inputBytes: number;
  outputBytes: number;
  resultsStartSeq: number;
  owner: string;
  leaseUntilUnixMs: number;
  error?: WireError;
}

export const batchRecordCodec = codec<BatchRecord>(
  'BatchRecord',
  (m) => ({
    ...m,
    modelVersion: m.modelVersion ?? '',
    state: enumValue('BatchState', `BATCH_${m.state}`),
    error: errorIn(m.error),
  }),
  (p) => ({
    batchId: (p.batchId as string) ?? '',
    model: (p.model as string) ?? '',
    modelVersion: (p.modelVersion as string) || undefined,
    state: enumName('BatchState', (p.state as number) ?? 0).replace(/^BATCH_/, '') as BatchState,
    total: (p.total as number) ?? 0,
    submitted: (p.submitted as number) ?? 0,
    done: (p.done as number) ?? 0,
    failed: (p.failed as number) ?? 0,
    rate: (p.rate as number) ?? 0,
    etaMs: num(p.etaMs),
    createdUnixMs: num(p.createdUnixMs),
    startedUnixMs: num(p.startedUnixMs),
    finishedUnixMs: num(p.finishedUnixMs),
    updatedUnixMs: num(p.updatedUnixMs),
    inputParts: (p.inputParts as number[]) ?? [],
    outputParts: (p.outputParts as number[]) ?? [],
    inputBytes: num(p.inputBytes),
    outputBytes: num(p.outputBytes),
    resultsStartSeq: num(p.resultsStartSeq),
    owner: (p.owner as string) ?? '',
    leaseUntilUnixMs: num(p.leaseUntilUnixMs),
    error: errorOut(p.error as Plain | undefined),
  }),
  true,
);

/** Appends `record` to `out` framed by its varint byte length (the framing of batch dataset and output parts). */
export function frameRecord(record: Uint8Array, out: Uint8Array[]): number {
  const head: number[] = [];
  let n = record.byteLength;
  while (n > 0x7f) {
    head.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  head.push(n);
  out.push(Uint8Array.from(head), record);
  return head.length + record.byteLength;
}

/** The records of a part framed by `frameRecord` (views into `bytes`); BadMessageError if it is truncated. */
export function* unframeRecords(bytes: Uint8Array, what: string): Generator<Uint8Array> {
  let at = 0;
  while (at < bytes.byteLength) {
    let length = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.byteLength || shift > 28) {
        throw new BadMessageError(`${what}: truncated or corrupt record length at byte ${at}`);
      }
      const b = bytes[at++];
      length += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (at + length > bytes.byteLength) {
      throw new BadMessageError(
        `${what}: a ${length}-byte record at byte ${at} runs past the end (${bytes.byteLength} bytes)`,
      );
    }
    yield bytes.subarray(at, at + length);
    at += length;
  }
}
