// Messages over the server's max_payload (64 KiB here): they travel through the Object Store and arrive intact,
// blobs are cleaned up by whoever consumes them, and with largeMessages: 'reject' the caller gets a clear error.
import { jetstreamManager } from '@nats-io/jetstream';
import { PayloadTooLargeError, Tensor } from '../../client/index.js';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { incoming, outgoing } from '../../client/large-messages.js';
import {
  HEADERS,
  jobRequestCodec,
  jobResultCodec,
  tensorFromWire,
  tensorToWire,
} from '../../protocol/index.js';
import { fakeWorker } from './fake-worker.js';
import { natsSuite } from './nats.js';

const MAX_PAYLOAD = 64 * 1024;
const { client, it } = natsSuite({ maxPayload: MAX_PAYLOAD });

/** 1 MiB of float32 with distinct values, so any lost or reordered chunk shows. */
const big = new Tensor(
  'float32',
  Float32Array.from({ length: 256 * 1024 }, (_, i) => i * 0.5 - 7),
  [256, 1024],
);

async function blobNames(fleet: Awaited<ReturnType<typeof client>>): Promise<string[]> {
  const store = await fleet.connection.blobs();
  return (await store.list()).filter((o) => !o.deleted).map((o) => o.name);
}

it('the server really limits messages to 64 KiB', async (t) => {
  const fleet = await client();
  t.is(fleet.connection.maxPayload, MAX_PAYLOAD);
});

it('a 1 MiB job input goes through the Object Store and is read back intact, as the worker reads it', async (t) => {
  const fleet = await client();
  const jobId = await fleet.submitJob('big', { x: big }, { labels: { size: '1MiB' } });
  const conn = fleet.connection;
  const jsm = await jetstreamManager(conn.nc);
  const stored = await jsm.streams.getMessage(conn.names.jobsStream, {
    last_by_subj: conn.names.jobs('big'),
  });
  t.truthy(stored);
  t.is(stored!.header?.get(HEADERS.blob), '1', 'the message is marked as a blob reference');
  t.true(stored!.data.byteLength < 1024, 'the NATS message carries only the reference');
  t.is(stored!.header?.get('Nats-Msg-Id'), jobId);

  const { bytes, blob } = await incoming(conn, { data: stored!.data, headers: stored!.header }, 'job');
  t.truthy(blob);
  const request = jobRequestCodec.decode(bytes);
  t.is(request.jobId, jobId);
  t.deepEqual(request.labels, { size: '1MiB' });
  const x = tensorFromWire(request.inputs[0]);
  t.deepEqual(x.dims, [256, 1024]);
  t.deepEqual(
    Buffer.from((x.data as Float32Array).buffer, (x.data as Float32Array).byteOffset, 4 << 18),
    Buffer.from((big.data as Float32Array).buffer),
  );
  t.deepEqual(await blobNames(fleet), [blob!.name]);
});

it('infer with a 1 MiB input and a 1 MiB output: both ways through blobs, none left behind', async (t) => {
  const fleet = await client();
  const { sub, received } = fakeWorker(fleet.connection, 'double', ({ request }) => {
    const x = tensorFromWire(request.inputs[0]);
    const y = new Tensor(
      'float32',
      (x.data as Float32Array).map((v) => v * 2),
      x.dims,
    );
    return { outputs: [tensorToWire('y', y)], workerId: 'fake' };
  });
  t.teardown(() => sub.unsubscribe());
  const { y } = await fleet.infer('double', { x: big }, { timeoutMs: 20_000 });
  t.truthy(received[0].blob, 'the request went through a blob');
  t.deepEqual(y.dims, [256, 1024]);
  const data = y.data as Float32Array;
  t.true(
    data.every((v, i) => v === (i * 0.5 - 7) * 2),
    'every element of the reply is intact',
  );
  t.deepEqual(
    await blobNames(fleet),
    [],
    'the worker deleted the request blob and the client the reply blob',
  );
});

it('a 1 MiB job result is stored as a blob, read by jobResult and watchJob, and kept for later reads', async (t) => {
  const fleet = await client();
  const conn = fleet.connection;
  await conn.ensureJobStreams();
  const body = jobResultCodec.encode({
    jobId: 'big-result',
    model: 'm',
    state: 'SUCCEEDED',
    outputs: [tensorToWire('y', big)],
  });
  const out = await outgoing(conn, body, 'job result', natsHeaders());
  t.truthy(out.blob);
  await conn.js.publish(conn.names.results('big-result'), out.data, {
    msgID: 'result-big-result',
    headers: out.headers,
  });
  for (const result of [
    await fleet.watchJob('big-result', { timeoutMs: 20_000 }),
    await fleet.jobResult('big-result'),
  ]) {
    t.deepEqual(result!.outputs.y.dims, [256, 1024]);
    t.deepEqual(Array.from((result!.outputs.y.data as Float32Array).subarray(0, 3)), [-7, -6.5, -6]);
    t.is((result!.outputs.y.data as Float32Array)[256 * 1024 - 1], (256 * 1024 - 1) * 0.5 - 7);
  }
  t.deepEqual(await blobNames(fleet), [out.blob!.name], 'result blobs are not consumed by reading');
});

it("with largeMessages: 'reject', an oversize message is PayloadTooLargeError naming both sizes", async (t) => {
  const fleet = await client({ largeMessages: 'reject' });
  const { sub, received } = fakeWorker(fleet.connection, 'any', () => ({ outputs: [] }));
  t.teardown(() => sub.unsubscribe());
  const e = await t.throwsAsync(fleet.infer('any', { x: big }), { instanceOf: PayloadTooLargeError });
  t.is(e!.code, 'PAYLOAD_TOO_LARGE');
  t.regex(e!.message, /infer request for model 'any' is \d{7} bytes, more than the 65536-byte max_payload/);
  t.true(Number(/is (\d+) bytes/.exec(e!.message)![1]) > big.size * 4);
  await t.throwsAsync(fleet.submitJob('any', { x: big }), {
    instanceOf: PayloadTooLargeError,
    message: /job '.+' for model 'any' is \d+ bytes, more than the 65536-byte max_payload/,
  });
  t.is(received.length, 0, 'nothing was sent');
  t.deepEqual(await blobNames(fleet), []);
  // Small messages still go through.
  t.deepEqual(await fleet.infer('any', { x: new Tensor('float32', [1], [1]) }), {});
});
