// One batch, from its claim to DONE: follow its results, queue its items, write progress, assemble outputs.
// Everything it knows lives in the KV record and the streams, so a run that dies is resumed by the next
// coordinator that claims the batch (see submitter.ts for why nothing is lost or run twice).
import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import type { FleetConnection } from '../../client/connection.js';
import { BadMessageError, errorToWire, FleetError } from '../../protocol/index.js';
import { assembleOutputs } from './assembler.js';
import { RateMeter } from './progress.js';
import type { BatchRecordStore } from './record.js';
import { ResultsFollower } from './results-follower.js';
import { submitItems } from './submitter.js';

export interface RunSettings {
  /** Items queued but unfinished at once, per batch. */
  maxInFlight: number;
  /** Least time between two progress writes. */
  progressIntervalMs: number;
  /** The lease is renewed at least every leaseMs / 3. */
  leaseMs: number;
  /** Items per output part. */
  chunk: number;
}

export class BatchRun {
  private readonly abort = new AbortController();
  private readonly meter = new RateMeter();
  private submitted: number;
  private timer?: NodeJS.Timeout;
  private lastWrite = 0;
  private dirty = false;
  private writing = false;

  constructor(
    private readonly conn: FleetConnection,
    private readonly data: ObjectStore,
    private readonly log: Logger,
    private readonly store: BatchRecordStore,
    private readonly settings: RunSettings,
  ) {
    this.submitted = store.record.submitted;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Runs the batch to DONE (or FAILED when its dataset is unusable); rejects when it has to be retried. */
  async run(): Promise<void> {
    const { conn, store, log } = this;
    const record = store.record;
    const signal = this.abort.signal;
    const follower = new ResultsFollower(conn, log, record.batchId, record.total, record.resultsStartSeq);
    const offResult = follower.onResult(() => this.changed());
    try {
      await follower.start();
      await follower.caughtUp;
      log.info(
        { batch: record.batchId, total: record.total, done: follower.done, submitted: record.submitted },
        'batch running',
      );
      this.meter.sample(follower.done);
      this.timer = setInterval(() => void this.tick(follower), this.settings.progressIntervalMs);
      try {
        await submitItems(conn, this.data, record, follower, this.settings.maxInFlight, {
          signal,
          submitted: (n) => {
            this.submitted = n;
            this.changed();
          },
        });
      } catch (e) {
        if (e instanceof BadMessageError) return await this.fail(e);
        throw e;
      }
      await Promise.race([follower.complete, aborted(signal)]);
      if (signal.aborted) return;
      clearInterval(this.timer);
      await store.write({ ...this.progress(follower), state: 'ASSEMBLING' });
      const out = await assembleOutputs(conn, this.data, record, this.settings.chunk, signal);
      await store.write({
        ...this.progress(follower),
        ...out,
        state: 'DONE',
        etaMs: 0,
        finishedUnixMs: Date.now(),
        owner: '',
        leaseUntilUnixMs: 0,
      });
      log.info({ batch: record.batchId, total: record.total, failed: follower.failed }, 'batch done');
    } finally {
      clearInterval(this.timer);
      offResult();
      await follower.stop();
    }
  }

  /** Gives the batch up without finishing it (on stop), so the next coordinator can claim it at once. */
  async release(): Promise<void> {
    await this.store.write({ owner: '', leaseUntilUnixMs: 0 });
  }

  private changed(): void {
    this.dirty = true;
  }

  private progress(follower: ResultsFollower) {
    this.meter.sample(follower.done);
    return {
      submitted: this.submitted,
      done: follower.done,
      failed: follower.failed,
      rate: this.meter.rate(),
      etaMs: this.meter.etaMs(follower.total - follower.done),
    };
  }

  /** Writes progress when it changed (at most once per interval) and renews the lease when it is due. */
  private async tick(follower: ResultsFollower): Promise<void> {
    const now = Date.now();
    if (this.writing) return;
    if (!this.dirty && now - this.lastWrite < this.settings.leaseMs / 3) {
      this.meter.sample(follower.done, now);
      return;
    }
    this.dirty = false;
    this.lastWrite = now;
    this.writing = true;
    try {
      await this.store.write(this.progress(follower));
    } catch (e) {
      this.log.warn({ err: e, batch: this.store.batchId }, 'batch progress write failed; stopping the run');
      this.stop();
    } finally {
      this.writing = false;
    }
  }

  private async fail(e: FleetError): Promise<void> {
    this.log.error({ err: e, batch: this.store.batchId }, 'batch failed');
    await this.store.write({
      state: 'FAILED',
      error: errorToWire(e),
      finishedUnixMs: Date.now(),
      owner: '',
      leaseUntilUnixMs: 0,
    });
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
