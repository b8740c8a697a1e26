// Follows the results stream for one batch: an ordered consumer over every result stored since the batch
// started (results are keyed by job id, and a job id cannot be filtered by batch in a subject, so other jobs'
// results are skipped by subject before anything is decoded). Keeps which items have a result, so a restarted
// coordinator rebuilds its progress by reading the stream again from the batch's first sequence.
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { batchJobId } from '../../client/batch.js';
import type { FleetConnection } from '../../client/connection.js';
import { incoming } from '../../client/large-messages.js';
import { jobResultCodec } from '../../protocol/index.js';

export class ResultsFollower {
  /** Per item: 0 no result yet, 1 succeeded, 2 failed. */
  readonly outcome: Uint8Array;
  done = 0;
  failed = 0;
  /** Resolves once every result stored before `start()` has been read. */
  readonly caughtUp: Promise<void>;
  /** Resolves once every item has a result. */
  readonly complete: Promise<void>;
  private markCaughtUp!: () => void;
  private markComplete!: () => void;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private listeners = new Set<() => void>();
  private readonly subjectPrefix: string;

  constructor(
    private readonly conn: FleetConnection,
    private readonly log: Logger,
    private readonly batchId: string,
    readonly total: number,
    private readonly startSeq: number,
  ) {
    this.outcome = new Uint8Array(total);
    this.caughtUp = new Promise((r) => (this.markCaughtUp = r));
    this.complete = new Promise((r) => (this.markComplete = r));
    this.subjectPrefix = `${conn.names.allResults.slice(0, -1)}${batchId}-`;
    if (total === 0) this.markComplete();
  }

  /** Calls `fn` after every new result (until the returned function is called). */
  onResult(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async start(): Promise<void> {
    const { conn } = this;
    const jsm = await conn.manager();
    const { last_seq: lastSeq, messages } = (await jsm.streams.info(conn.names.resultsStream)).state;
    if (lastSeq < this.startSeq || messages === 0) this.markCaughtUp();
    const consumer = await conn.js.consumers.get(conn.names.resultsStream, {
      filter_subjects: conn.names.allResults,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.startSeq,
    });
    this.messages = await consumer.consume({ max_messages: 256 });
    this.loop = (async () => {
      for await (const m of this.messages!) {
        if (m.subject.startsWith(this.subjectPrefix)) await this.take(m);
        if (m.seq >= lastSeq || m.info.pending === 0) this.markCaughtUp();
      }
    })();
    this.loop.catch((e) => this.log.warn({ err: e, batch: this.batchId }, 'results consumer ended'));
  }

  async stop(): Promise<void> {
    await this.messages?.close().catch(() => {});
    await this.loop?.catch(() => {});
  }

  private async take(m: JsMsg): Promise<void> {
    let index: number;
    let failed: boolean;
    try {
      const { bytes } = await incoming(this.conn, m, `result ${m.subject}`);
      const r = jobResultCodec.decode(bytes);
      index = Number(r.labels?.index);
      if (
        r.labels?.batch !== this.batchId ||
        !Number.isSafeInteger(index) ||
        index < 0 ||
        index >= this.total ||
        r.jobId !== batchJobId(this.batchId, index)
      ) {
        return; // another batch whose id starts like ours, or not a batch item
      }
      failed = r.state !== 'SUCCEEDED';
    } catch (e) {
      this.log.warn({ err: e, batch: this.batchId, subject: m.subject }, 'skipped an unreadable result');
      return;
    }
    if (this.outcome[index]) return; // a job run twice (resubmitted after the duplicate window) counts once
    this.outcome[index] = failed ? 2 : 1;
    this.done++;
    if (failed) this.failed++;
    for (const fn of this.listeners) fn();
    if (this.done === this.total) this.markComplete();
  }
}
