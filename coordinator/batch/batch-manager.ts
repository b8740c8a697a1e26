// The coordinator's batch-job service. It watches the `<prefix>_batches` KV bucket and runs every batch that
// is SUBMITTED (or RUNNING/ASSEMBLING with no live owner: a coordinator died mid-batch) by claiming it with a
// lease in its record: one coordinator works a batch at a time, and a crashed one's batches are taken over
// once its lease lapses. A stopped manager hands its batches back at once.
import { hostname } from 'node:os';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { nuid, type QueuedIterator } from '@nats-io/nats-core';
import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import { batchStorage, DEFAULT_CHUNK } from '../../client/batch.js';
import type { FleetConnection } from '../../client/connection.js';
import { batchRecordCodec, type BatchRecord, type BatchState } from '../../protocol/index.js';
import { BatchRecordStore, LostClaimError } from './record.js';
import { BatchRun, type RunSettings } from './run.js';

export interface BatchManagerOptions {
  /** How long a claim on a batch holds without renewal (a crashed coordinator's batches wait this long). */
  leaseMs?: number;
  /** Items of one batch queued as jobs but unfinished at once (default 2000). */
  maxInFlight?: number;
  /** Least time between two progress writes of a batch (default 250 ms). */
  progressIntervalMs?: number;
  /** Batches run at once; more wait their turn (default 4). */
  maxConcurrentBatches?: number;
  /** Items per output part (default 1024). */
  chunk?: number;
  /** This manager's name in the records it claims (default host-pid-nuid). */
  id?: string;
}

const ACTIVE: ReadonlySet<BatchState> = new Set(['SUBMITTED', 'RUNNING', 'ASSEMBLING']);
const RETRY_MS = 2000;

export class BatchManager {
  readonly id: string;
  private readonly settings: RunSettings;
  private readonly maxConcurrent: number;
  private kv?: KV;
  private data?: ObjectStore;
  private watch?: QueuedIterator<KvWatchEntry>;
  private loop?: Promise<void>;
  private readonly runs = new Map<string, { run?: BatchRun; finished: Promise<void> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiting = new Set<string>();
  private stopping = false;

  constructor(
    private readonly conn: FleetConnection,
    private readonly log: Logger,
    options: BatchManagerOptions = {},
  ) {
    this.id = options.id ?? `${hostname()}-${process.pid}-${nuid.next().slice(-6)}`;
    this.settings = {
      leaseMs: options.leaseMs ?? 10_000,
      maxInFlight: options.maxInFlight ?? 2000,
      progressIntervalMs: options.progressIntervalMs ?? 250,
      chunk: options.chunk ?? DEFAULT_CHUNK,
    };
    this.maxConcurrent = options.maxConcurrentBatches ?? 4;
  }

  /** Opens the buckets and starts following batch records (resolves once the watch is set up). */
  async start(): Promise<void> {
    await this.conn.ensureJobStreams();
    ({ kv: this.kv, data: this.data } = await batchStorage(this.conn));
    this.watch = await this.kv.watch();
    this.loop = (async () => {
      for await (const entry of this.watch!) {
        if (this.stopping) break;
        if (entry.operation !== 'PUT') continue;
        let record: BatchRecord;
        try {
          record = batchRecordCodec.decode(entry.value);
        } catch (e) {
          this.log.warn({ err: e, batch: entry.key }, 'skipped an unreadable batch record');
          continue;
        }
        this.consider(record, entry.revision);
      }
    })();
    this.loop.catch((e) => this.log.error({ err: e }, 'batch watch ended'));
    this.log.info({ manager: this.id }, 'batch manager started');
  }

  /** Stops every run and hands its batch back (unclaimed), so another coordinator resumes it at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.watch?.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const { run } of this.runs.values()) run?.stop();
    await Promise.all([...this.runs.values()].map((r) => r.finished));
    await this.loop?.catch(() => {});
  }

  private consider(record: BatchRecord, revision: number): void {
    const id = record.batchId;
    if (this.stopping || this.runs.has(id)) return;
    if (!ACTIVE.has(record.state)) {
      this.waiting.delete(id);
      this.clearTimer(id);
      return;
    }
    const now = Date.now();
    if (record.owner && record.owner !== this.id && record.leaseUntilUnixMs > now) {
      this.recheckIn(id, record.leaseUntilUnixMs - now + 50); // its owner is alive until then
      return;
    }
    if (this.runs.size >= this.maxConcurrent) {
      this.waiting.add(id);
      return;
    }
    this.waiting.delete(id);
    this.clearTimer(id);
    const slot: { run?: BatchRun; finished: Promise<void> } = { finished: Promise.resolve() };
    this.runs.set(id, slot);
    slot.finished = this.runBatch(record, revision, slot).finally(() => {
      this.runs.delete(id);
      if (this.stopping) return;
      this.recheckIn(id, RETRY_MS); // a finished batch is then seen DONE and left alone
      const next = this.waiting.values().next();
      if (!next.done) {
        this.waiting.delete(next.value);
        void this.recheck(next.value);
      }
    });
  }

  private async runBatch(record: BatchRecord, revision: number, slot: { run?: BatchRun }): Promise<void> {
    const { conn, log } = this;
    const store = new BatchRecordStore(this.kv!, this.id, this.settings.leaseMs, record, revision);
    try {
      let startSeq = record.resultsStartSeq;
      if (!startSeq) {
        // Claimed before anything is queued: every result of the batch comes after this sequence.
        const jsm = await conn.manager();
        startSeq = (await jsm.streams.info(conn.names.resultsStream)).state.last_seq + 1;
      }
      await store.write({
        state: record.state === 'SUBMITTED' ? 'RUNNING' : record.state,
        startedUnixMs: record.startedUnixMs || Date.now(),
        resultsStartSeq: startSeq,
      });
    } catch (e) {
      if (e instanceof LostClaimError)
        log.debug({ batch: record.batchId }, 'batch claimed by another coordinator');
      else log.warn({ err: e, batch: record.batchId }, 'could not claim batch');
      return;
    }
    const run = new BatchRun(conn, this.data!, log, store, this.settings);
    slot.run = run;
    if (this.stopping) run.stop();
    try {
      await run.run();
    } catch (e) {
      log.warn({ err: e, batch: record.batchId }, 'batch run failed; it will be retried');
    }
    if (ACTIVE.has(store.record.state) && store.record.owner === this.id) {
      await run.release().catch(() => {}); // lets the next claim happen without waiting for the lease
    }
  }

  private recheckIn(id: string, ms: number): void {
    this.clearTimer(id);
    const t = setTimeout(() => {
      this.timers.delete(id);
      void this.recheck(id);
    }, ms);
    t.unref();
    this.timers.set(id, t);
  }

  private async recheck(id: string): Promise<void> {
    if (this.stopping || !this.kv) return;
    try {
      const entry = await this.kv.get(id);
      if (entry && entry.operation === 'PUT')
        this.consider(batchRecordCodec.decode(entry.value), entry.revision);
    } catch (e) {
      this.log.warn({ err: e, batch: id }, 'could not read batch record');
      this.recheckIn(id, RETRY_MS);
    }
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }
}
