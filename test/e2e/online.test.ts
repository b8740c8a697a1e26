// Online inference through a real nats-server and real worker processes: outputs equal the in-process
// engine's, concurrent requests are batched, bad input gets the right error code and the worker keeps serving.
import test from 'ava';
import { inferRequestCodec, inferResponseCodec, tensorToWire } from '../../protocol/index.js';
import {
  BadInputError,
  DeadlineExceededError,
  OverloadedError,
  PayloadTooLargeError,
  Tensor,
  ModelNotFoundError,
} from '../../client/index.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from './cluster.js';

const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`online e2e skipped: ${missing}`, (t) => t.pass());

let cluster: Cluster;

test.before(async () => {
  if (missing) return;
  cluster = await Cluster.start();
  await cluster.worker(['--threads', '2', '--intra-op', '1', '--max-batch', '8', '--batch-window-ms', '20']);
});

test.after.always(async () => {
  await cluster?.stop();
});

it('online inference returns the in-process engine outputs', async (t) => {
  for (const batch of [1, 3]) {
    const feeds = demoInput(100 + batch, batch);
    const got = await cluster.client.infer(MODEL, feeds, { timeoutMs: 30_000 });
    const want = await cluster.reference.run(feeds);
    t.deepEqual(Object.keys(got), ['probabilities']);
    t.deepEqual(got.probabilities.dims, [batch, 10]);
    t.true(maxAbsDiff(got.probabilities, want.probabilities as Tensor) < 1e-6);
  }
});

it('concurrent requests are batched into one run and split back correctly', async (t) => {
  const inputs = Array.from({ length: 16 }, (_, i) => demoInput(200 + i, 1 + (i % 2)));
  const replies = await Promise.all(
    inputs.map((f) => cluster.client.inferWithInfo(MODEL, f, { timeoutMs: 30_000 })),
  );
  t.true(
    replies.some((r) => r.info.batchSize > 1),
    `batch sizes: ${replies.map((r) => r.info.batchSize).join(',')}`,
  );
  for (let i = 0; i < inputs.length; i++) {
    const want = (await cluster.reference.run(inputs[i])).probabilities as Tensor;
    t.true(maxAbsDiff(replies[i].outputs.probabilities, want) < 1e-6, `request ${i}`);
  }
});

it('a model pushed with its own --max-batch 1 is never batched, whatever the worker allows', async (t) => {
  const prefix = 'perbatch';
  const c = await cluster.connect({ prefix });
  await c.pushModel(cluster.modelPath, { name: MODEL, maxBatch: 1 });
  const w = await cluster.worker([
    '--prefix',
    prefix,
    '--threads',
    '1',
    '--max-batch',
    '8',
    '--batch-window-ms',
    '20',
  ]);
  const replies = await Promise.all(
    Array.from({ length: 12 }, (_, i) => c.inferWithInfo(MODEL, demoInput(700 + i), { timeoutMs: 30_000 })),
  );
  t.deepEqual(
    replies.map((r) => r.info.batchSize),
    replies.map(() => 1),
  );
  await w.stop();
});

it('a request waiting out its batching window does not hold up another model behind it', async (t) => {
  const prefix = 'hol';
  const c = await cluster.connect({ prefix });
  await c.pushModel(cluster.modelPath, { name: 'slow_window', batchWindowMs: 1500 });
  await c.pushModel(cluster.modelPath, { name: 'no_window', batchWindowMs: 0 });
  const w = await cluster.worker([
    '--prefix',
    prefix,
    '--threads',
    '1',
    '--models',
    'slow_window,no_window',
    '--max-batch',
    '8',
  ]);
  const start = performance.now();
  const waiting = c
    .infer('slow_window', demoInput(1), { timeoutMs: 30_000 })
    .then(() => performance.now() - start);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  await c.infer('no_window', demoInput(2), { timeoutMs: 30_000 });
  const passedMs = performance.now() - t0;
  const windowMs = await waiting;
  t.true(passedMs < 1000, `the other model answered in ${passedMs.toFixed(0)} ms`);
  t.true(windowMs >= 1400, `the windowed request waited for batch-mates (${windowMs.toFixed(0)} ms)`);
  await w.stop();
});

it('bad input gets the right error code and the worker keeps serving', async (t) => {
  const c = cluster.client;
  const wrongType = { images: new Tensor('int32', new Int32Array(3 * 32 * 32), [1, 3, 32, 32]) };
  const e1 = await t.throwsAsync(c.infer(MODEL, wrongType), { instanceOf: BadInputError });
  t.regex(e1!.message, /images.*float32.*int32/);
  const wrongShape = { images: new Tensor('float32', new Float32Array(3 * 16 * 16), [1, 3, 16, 16]) };
  const e2 = await t.throwsAsync(c.infer(MODEL, wrongShape), { instanceOf: BadInputError });
  t.regex(e2!.message, /\[1, 3, 16, 16\]/);
  const missingInput = await t.throwsAsync(c.infer(MODEL, {}), { instanceOf: BadInputError });
  t.regex(missingInput!.message, /missing input 'images'/);
  await t.throwsAsync(c.infer('no_such_model', demoInput(1)), { instanceOf: ModelNotFoundError });

  // Bytes that are not an InferRequest, and a request whose deadline has passed, sent by hand.
  const nc = c.connection.nc;
  const subject = c.connection.names.infer(MODEL);
  const corrupt = inferResponseCodec.decode(
    (await nc.request(subject, new Uint8Array([8, 1, 0xff, 0xff]), { timeout: 10_000 })).data,
  );
  t.is(corrupt.error?.code, 'BAD_MESSAGE');
  const late = inferRequestCodec.encode({
    model: MODEL,
    inputs: [tensorToWire('images', demoInput(2).images)],
    deadlineUnixMs: Date.now() - 1000,
  });
  const expired = inferResponseCodec.decode((await nc.request(subject, late, { timeout: 10_000 })).data);
  t.is(expired.error?.code, 'DEADLINE_EXCEEDED');

  // Too big for max_payload on a connection that refuses the Object Store route.
  const strict = await cluster.connect({ largeMessages: 'reject' });
  const huge = { images: new Tensor('float32', new Float32Array(400 * 3 * 32 * 32), [400, 3, 32, 32]) };
  const e3 = await t.throwsAsync(strict.infer(MODEL, huge), { instanceOf: PayloadTooLargeError });
  t.regex(e3!.message, /max_payload/);

  // ... and through the Object Store it works (and equals the engine).
  const got = await c.infer(MODEL, huge, { timeoutMs: 60_000 });
  t.true(maxAbsDiff(got.probabilities, (await cluster.reference.run(huge)).probabilities as Tensor) < 1e-6);

  // A client-side timeout shorter than any run.
  await t.throwsAsync(c.infer(MODEL, demoInput(3, 64), { timeoutMs: 1 }), {
    instanceOf: DeadlineExceededError,
  });

  const after = await c.infer(MODEL, demoInput(4));
  t.deepEqual(after.probabilities.dims, [1, 10]);
});

it('a full queue answers OVERLOADED instead of growing without bound', async (t) => {
  const c = await cluster.connect({ prefix: 'small' });
  await c.pushModel(cluster.modelPath, { name: MODEL });
  const w = await cluster.worker([
    '--threads',
    '1',
    '--intra-op',
    '1',
    '--max-batch',
    '1',
    '--max-queue',
    '2',
    '--no-jobs',
    '--prefix',
    'small',
  ]);
  const results = await Promise.allSettled(
    Array.from({ length: 60 }, (_, i) => c.infer(MODEL, demoInput(i, 32), { timeoutMs: 60_000 })),
  );
  const overloaded = results.filter(
    (r) => r.status === 'rejected' && r.reason instanceof OverloadedError,
  ).length;
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  t.true(overloaded > 0, 'some requests were refused');
  t.true(ok > 0, 'some requests were served');
  t.is(ok + overloaded, 60, 'no other failures');
  await w.stop();
});

it('SIGTERM drains: requests already taken are answered, then the worker exits 0', async (t) => {
  const c = await cluster.connect({ prefix: 'drain' });
  await c.pushModel(cluster.modelPath, { name: MODEL });
  const w = await cluster.worker(['--threads', '1', '--intra-op', '1', '--prefix', 'drain']);
  const pending = Array.from({ length: 8 }, (_, i) =>
    c.infer(MODEL, demoInput(i, 16), { timeoutMs: 60_000 }),
  );
  await pending[0];
  const exit = w.stop();
  const results = await Promise.allSettled(pending);
  t.deepEqual(
    results.map((r) => r.status),
    results.map(() => 'fulfilled'),
  );
  t.is(await exit, 0);
});
