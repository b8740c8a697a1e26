// The KV record of one batch as its owner writes it: every write is a compare-and-set on the revision the
// owner last saw, so two coordinators can never both believe they run a batch, and writes are serialized.
import type { KV } from '@nats-io/kv';
import { batchRecordCodec, type BatchRecord } from '../../protocol/index.js';

/** Another coordinator took the batch over (our lease had lapsed), or the record was removed. */
export class LostClaimError extends Error {
  override readonly name = 'LostClaimError';
}

export class BatchRecordStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kv: KV,
    readonly owner: string,
    private readonly leaseMs: number,
    public record: BatchRecord,
    private revision: number,
  ) {}

  get batchId(): string {
    return this.record.batchId;
  }

  /** Applies `patch` (and renews the lease) with a compare-and-set; writes are applied one after another. */
  write(patch: Partial<BatchRecord>): Promise<void> {
    const next = this.chain.then(() => this.apply(patch));
    this.chain = next.catch(() => {});
    return next;
  }

  private async apply(patch: Partial<BatchRecord>): Promise<void> {
    const now = Date.now();
    const record: BatchRecord = {
      ...this.record,
      ...patch,
      owner: patch.owner ?? this.owner,
      leaseUntilUnixMs: patch.leaseUntilUnixMs ?? now + this.leaseMs,
      updatedUnixMs: now,
    };
    try {
      this.revision = await this.kv.update(this.batchId, batchRecordCodec.encode(record), this.revision);
    } catch (e) {
      if (!/wrong last sequence/i.test((e as Error).message)) throw e;
      // Someone else wrote: only a write by another owner (a takeover) ends our claim.
      const entry = await this.kv.get(this.batchId);
      if (!entry || entry.operation !== 'PUT')
        throw new LostClaimError(`batch '${this.batchId}' was removed`);
      const current = batchRecordCodec.decode(entry.value);
      if (current.owner !== this.owner) {
        throw new LostClaimError(`batch '${this.batchId}' was taken over by ${current.owner || 'nobody'}`);
      }
      this.revision = await this.kv.update(this.batchId, batchRecordCodec.encode(record), entry.revision);
    }
    this.record = record;
  }
}
