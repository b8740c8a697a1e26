// Assembles a finished batch's outputs: every item's stored JobResult, fetched by job id in input order (a
// few fetches ahead), written into output parts of framed records. Only the fetches in flight and the part
// being filled are in memory, whatever the batch's size.
import type { ObjectStore } from '@nats-io/obj';
import { batchJobId, outputPartName, PartWriter } from '../../client/batch.js';
import type { FleetConnection } from '../../client/connection.js';
import { incoming } from '../../client/large-messages.js';
import { errorToWire, InternalError, jobResultCodec, type BatchRecord } from '../../protocol/index.js';

const LOOKAHEAD = 32;

export interface Assembled {
  outputParts: number[];
  outputBytes: number;
}

export async function assembleOutputs(
  conn: FleetConnection,
  data: ObjectStore,
  record: BatchRecord,
  chunk: number,
  signal: AbortSignal,
): Promise<Assembled> {
  const { batchId, total } = record;
  const parts = new PartWriter(data, (k) => outputPartName(batchId, k), chunk);
  const inFlight: Promise<Uint8Array>[] = [];
  const fetchFrom = (i: number) => {
    const p = resultBytes(conn, record, i);
    p.catch(() => {}); // awaited in order below
    inFlight.push(p);
  };
  let next = 0;
  while (next < Math.min(total, LOOKAHEAD)) fetchFrom(next++);
  for (let i = 0; i < total; i++) {
    if (signal.aborted) throw new Error(`assembling batch '${batchId}' was stopped`);
    const bytes = await inFlight.shift()!;
    if (next < total) fetchFrom(next++);
    await parts.add(bytes);
  }
  await parts.flush();
  return { outputParts: parts.starts, outputBytes: parts.bytes };
}

/** The stored result of item `index` as bytes, or a FAILED result saying it is gone. */
async function resultBytes(conn: FleetConnection, record: BatchRecord, index: number): Promise<Uint8Array> {
  const jobId = batchJobId(record.batchId, index);
  const jsm = await conn.manager();
  const stored = await jsm.streams.getMessage(conn.names.resultsStream, {
    last_by_subj: conn.names.results(jobId),
  });
  if (stored) {
    const { bytes } = await incoming(
      conn,
      { data: stored.data, headers: stored.header },
      `result of job '${jobId}'`,
    );
    return bytes;
  }
  const error = new InternalError(
    `the result of item ${index} is no longer stored (results are kept for the results stream's max age)`,
    { model: record.model },
  );
  return jobResultCodec.encode({
    jobId,
    model: record.model,
    state: 'FAILED',
    outputs: [],
    error: errorToWire(error),
    finishedUnixMs: Date.now(),
    labels: { batch: record.batchId, index: String(index) },
  });
}
