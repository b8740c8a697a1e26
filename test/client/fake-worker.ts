// A stand-in for the worker's infer endpoint, speaking the wire contract exactly as the real worker does: it
// reads the request (through the Object Store when it is a blob, deleting that blob), and replies with
// whatever `answer` returns (through the Object Store when the reply is too large).
import type { Subscription } from '@nats-io/nats-core';
import type { FleetConnection } from '../../client/connection.js';
import { discardBlob, incoming, outgoing } from '../../client/large-messages.js';
import {
  errorToWire,
  FleetError,
  inferRequestCodec,
  inferResponseCodec,
  type InferRequest,
  type InferResponse,
  type BlobRef,
} from '../../protocol/index.js';

export interface Received {
  request: InferRequest;
  /** The blob the request came through, if it was too large for one message. */
  blob?: BlobRef;
  headers: Record<string, string>;
}

export type Answer = (
  r: Received,
) => InferResponse | Uint8Array | undefined | Promise<InferResponse | Uint8Array | undefined>;

/** Serves names.infer(model) until unsubscribed; `answer` returning undefined sends no reply at all. */
export function fakeWorker(
  conn: FleetConnection,
  model: string,
  answer: Answer,
): { sub: Subscription; received: Received[] } {
  const received: Received[] = [];
  const sub = conn.nc.subscribe(conn.names.infer(model), {
    queue: 'workers',
    callback: (err, msg) => {
      if (err) return;
      void (async () => {
        const { bytes, blob } = await incoming(conn, msg, 'infer request');
        await discardBlob(conn, blob);
        const headers: Record<string, string> = {};
        for (const k of msg.headers?.keys() ?? []) headers[k] = msg.headers!.get(k);
        const r: Received = { request: inferRequestCodec.decode(bytes), blob, headers };
        received.push(r);
        let reply: InferResponse | Uint8Array | undefined;
        try {
          reply = await answer(r);
        } catch (e) {
          reply = { outputs: [], error: errorToWire(e as FleetError), workerId: 'fake' };
        }
        if (reply === undefined) return;
        const body = reply instanceof Uint8Array ? reply : inferResponseCodec.encode(reply);
        const out = await outgoing(conn, body, 'infer reply');
        msg.respond(out.data, { headers: out.headers });
      })();
    },
  });
  return { sub, received };
}
