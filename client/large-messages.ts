// Messages larger than the server's max_payload travel through the Object Store (which chunks them): the NATS
// message then carries a BlobRef and the Onnxfleet-Blob header. Nothing is ever truncated.
import { createHash } from 'node:crypto';
import { headers as natsHeaders, nuid, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import {
  BadMessageError,
  blobRefCodec,
  HEADERS,
  PayloadTooLargeError,
  type BlobRef,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';

// Room for headers and protocol framing inside max_payload.
const HEADROOM = 8 * 1024;

export interface Outgoing {
  data: Uint8Array;
  headers?: MsgHdrs;
  /** The blob holding the real message, when it was too large. */
  blob?: BlobRef;
}

/**
 * Prepares `bytes` for publishing: as is when it fits, else as a blob reference (or a PayloadTooLargeError
 * when the connection rejects large messages). `what` names the message in errors.
 */
export async function outgoing(
  conn: FleetConnection,
  bytes: Uint8Array,
  what: string,
  hdrs?: MsgHdrs,
): Promise<Outgoing> {
  const limit = conn.maxPayload - HEADROOM;
  if (bytes.byteLength <= limit) return { data: bytes, headers: hdrs };
  if (!conn.allowLargeMessages) {
    throw new PayloadTooLargeError(
      `${what} is ${bytes.byteLength} bytes, more than the ${conn.maxPayload}-byte max_payload of the NATS server, and large messages are disabled (largeMessages: 'reject')`,
    );
  }
  const store = await conn.blobs();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const name = `msg-${nuid.next()}`;
  await store.putBlob({ name }, bytes);
  const blob: BlobRef = { bucket: conn.names.blobsBucket, name, size: bytes.byteLength, sha256 };
  const h = hdrs ?? natsHeaders();
  h.set(HEADERS.blob, '1');
  return { data: blobRefCodec.encode(blob), headers: h, blob };
}

/** The real bytes of a received message (fetching and verifying the blob it references, if any). */
export async function incoming(
  conn: FleetConnection,
  msg: Pick<Msg, 'data' | 'headers'>,
  what: string,
): Promise<{ bytes: Uint8Array; blob?: BlobRef }> {
  if (!msg.headers?.get(HEADERS.blob)) return { bytes: msg.data };
  const blob = blobRefCodec.decode(msg.data);
  if (blob.bucket !== conn.names.blobsBucket) {
    throw new BadMessageError(
      `${what} references blob bucket '${blob.bucket}', expected '${conn.names.blobsBucket}'`,
    );
  }
  const store = await conn.blobs();
  const bytes = await store.getBlob(blob.name);
  if (!bytes)
    throw new BadMessageError(
      `${what}: its payload blob '${blob.name}' is gone (expired or already consumed)`,
    );
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (bytes.byteLength !== blob.size || sha !== blob.sha256) {
    throw new BadMessageError(
      `${what}: payload blob '${blob.name}' does not match its reference (size or sha256)`,
    );
  }
  return { bytes, blob };
}

/** Deletes a consumed blob; failures are harmless (the bucket's TTL removes it later). */
export async function discardBlob(conn: FleetConnection, blob: BlobRef | undefined): Promise<void> {
  if (!blob) return;
  try {
    await (await conn.blobs()).delete(blob.name);
  } catch {
    /* expires with the bucket TTL */
  }
}
