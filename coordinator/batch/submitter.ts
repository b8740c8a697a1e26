// Turns a batch's dataset into durable jobs: reads the stored parts from the first item not yet known to be
// queued, and publishes each item's JobRequest (as the client stored it) to the model's jobs subject with the
// job id as message id. At most `maxInFlight` items are queued but unfinished at once.
//
// Restart safety: `submitted` in the record only ever counts items whose publish JetStream acknowledged, so
// everything below it is queued or finished. Items at or above it may have been published by a coordinator
// that died before writing its count: they are published again unless the results stream (read up to its end
// first) already holds their result; within the jobs stream's 10-minute duplicate window a republish is
// dropped by JetStream, and after it a job runs twice at worst, its second result counting once.
import type { ObjectStore } from '@nats-io/obj';
import { batchJobId, inputPartName, partOf, readPart } from '../../client/batch.js';
import type { FleetConnection } from '../../client/connection.js';
import { discardBlob, outgoing } from '../../client/large-messages.js';
import { BadMessageError, jobRequestCodec, type BatchRecord } from '../../protocol/index.js';
import type { ResultsFollower } from './results-follower.js';

/** Publishes this many items before waiting for their acknowledgements. */
const PIPELINE = 64;

export interface SubmitterHooks {
  /** Every item below `submitted` is queued or finished. */
  submitted(submitted: number): void;
  /** Stops submitting (what was published stays published). */
  signal: AbortSignal;
}

export async function submitItems(
  conn: FleetConnection,
  data: ObjectStore,
  record: BatchRecord,
  follower: ResultsFollower,
  maxInFlight: number,
  hooks: SubmitterHooks,
): Promise<void> {
  const { batchId, total, inputParts } = record;
  const what = `dataset of batch '${batchId}'`;
  let index = record.submitted;
  if (index >= total) return;
  const subject = conn.names.jobs(record.model);
  let pending: Promise<unknown>[] = [];
  const settle = async () => {
    const settled = await Promise.allSettled(pending);
    pending = [];
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    hooks.submitted(index);
  };
  for (let k = partOf(inputParts, index); k < inputParts.length; k++) {
    let at = inputParts[k];
    for (const bytes of await readPart(data, inputPartName(batchId, k), what)) {
      if (hooks.signal.aborted) return settle();
      const i = at++;
      if (i < index) continue;
      if (i !== index)
        throw new BadMessageError(`${what}: part ${k} does not start at item ${inputParts[k]}`);
      checkItem(bytes, record, i, what);
      // An item with a result was finished before a restart: nothing to queue.
      if (!follower.outcome[i]) {
        while (i - follower.done >= maxInFlight) {
          if (hooks.signal.aborted) return settle();
          if (pending.length) await settle();
          else await nextResult(follower, hooks.signal);
        }
        if (hooks.signal.aborted) return settle();
        const published = publish(conn, subject, bytes, batchJobId(batchId, i));
        published.catch(() => {}); // observed by settle()
        pending.push(published);
      }
      index++;
      if (pending.length >= PIPELINE) await settle();
    }
  }
  await settle();
  if (index !== total) throw new BadMessageError(`${what}: ${index} items stored for ${total}`);
}

function checkItem(bytes: Uint8Array, record: BatchRecord, index: number, what: string): void {
  const item = jobRequestCodec.decode(bytes);
  if (item.jobId !== batchJobId(record.batchId, index) || item.model !== record.model) {
    throw new BadMessageError(
      `${what}: item ${index} is job '${item.jobId}' for model '${item.model}', expected '${batchJobId(record.batchId, index)}' for '${record.model}'`,
    );
  }
}

async function publish(
  conn: FleetConnection,
  subject: string,
  bytes: Uint8Array,
  jobId: string,
): Promise<void> {
  const out = await outgoing(conn, bytes, `job '${jobId}'`);
  const ack = await conn.js.publish(subject, out.data, {
    msgID: jobId,
    ...(out.headers ? { headers: out.headers } : {}),
  });
  if (ack.duplicate) void discardBlob(conn, out.blob);
}

function nextResult(follower: ResultsFollower, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      off();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const off = follower.onResult(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
