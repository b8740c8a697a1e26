// Online inference from the client's side, against a real nats-server and a stand-in worker that follows the
// wire contract: outputs, typed errors, no responders, timeouts, deadlines and cancellation.
import {
  BadInputError,
  BadMessageError,
  CancelledError,
  DeadlineExceededError,
  ModelNotFoundError,
  OverloadedError,
  Tensor,
  UnavailableError,
} from '../../client/index.js';
import { tensorToWire } from '../../protocol/index.js';
import { fakeWorker } from './fake-worker.js';
import { natsSuite } from './nats.js';

const { client, it } = natsSuite();
const x = new Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
const ids = new Tensor('int64', [7n, 8n], [1, 2]);

it('with no worker for the model, infer fails at once: UNAVAILABLE for a pushed model, MODEL_NOT_FOUND otherwise', async (t) => {
  const fleet = await client();
  const start = Date.now();
  await fleet.pushModel(new Uint8Array([8, 7]), { name: 'nobody' });
  const e = await t.throwsAsync(fleet.infer('nobody', { x }, { timeoutMs: 10_000 }), {
    instanceOf: UnavailableError,
  });
  t.is(e!.code, 'UNAVAILABLE');
  t.is(e!.model, 'nobody');
  t.regex(e!.message, /no worker serves model 'nobody'/);
  t.true(Date.now() - start < 5_000, 'no responders is reported without waiting for the timeout');
  const unknown = await t.throwsAsync(fleet.infer('never_pushed', { x }, { timeoutMs: 10_000 }), {
    instanceOf: ModelNotFoundError,
  });
  t.regex(unknown!.message, /'never_pushed' is not in the model index/);
});

it('a worker reply comes back as engine Tensors by name, with what was asked sent on the wire', async (t) => {
  const fleet = await client();
  const { sub, received } = fakeWorker(fleet.connection, 'echo', ({ request }) => ({
    outputs: request.inputs.map((w) => ({ ...w, name: `${w.name}_out` })),
    workerId: 'w-1',
    requestId: request.requestId,
    queueMs: 0.25,
    runMs: 1.5,
    batchSize: 2,
  }));
  t.teardown(() => sub.unsubscribe());
  const before = Date.now();
  const reply = await fleet.inferWithInfo(
    'echo',
    { x, ids },
    { timeoutMs: 5000, outputs: ['x_out'], version: '4' },
  );
  t.deepEqual(Object.keys(reply.outputs).sort(), ['ids_out', 'x_out']);
  t.true(reply.outputs.x_out instanceof Tensor);
  t.is(reply.outputs.x_out.type, 'float32');
  t.deepEqual(reply.outputs.x_out.dims, [2, 3]);
  t.deepEqual(Array.from(reply.outputs.x_out.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  t.deepEqual(Array.from(reply.outputs.ids_out.data as BigInt64Array), [7n, 8n]);
  t.like(reply.info, { workerId: 'w-1', queueMs: 0.25, runMs: 1.5, batchSize: 2 });

  const { request } = received[0];
  t.is(request.model, 'echo');
  t.is(request.modelVersion, '4');
  t.deepEqual(request.outputs, ['x_out']);
  t.is(request.requestId, reply.info.requestId);
  t.true(request.requestId!.length > 0);
  t.true(
    request.deadlineUnixMs! >= before + 5000 && request.deadlineUnixMs! <= Date.now() + 5000,
    'deadline = send time + timeoutMs',
  );
  // infer() is the same call without the info.
  const outputs = await fleet.infer('echo', { x });
  t.deepEqual(Object.keys(outputs), ['x_out']);
});

it('errors the worker replies with come back as their typed classes', async (t) => {
  const fleet = await client();
  const errors = {
    a: new ModelNotFoundError("model 'a' is not loaded here", { model: 'a' }),
    b: new BadInputError("input 'x': expected float32[1, 3], got int32[1, 3]"),
    c: new OverloadedError('queue full (64 waiting)'),
    d: new DeadlineExceededError('deadline passed 3 ms before the run'),
  };
  const subs = Object.entries(errors).map(([model, error]) =>
    fakeWorker(fleet.connection, model, () => {
      throw error;
    }),
  );
  t.teardown(() => subs.forEach((s) => s.sub.unsubscribe()));
  for (const [model, error] of Object.entries(errors)) {
    const e = await t.throwsAsync(fleet.infer(model, { x }), {
      instanceOf: error.constructor as typeof BadInputError,
    });
    t.is(e!.code, error.code);
    t.is(e!.message, error.message);
    t.is(e!.model, model, 'the error names the model');
  }
});

it('no reply within timeoutMs is DeadlineExceededError', async (t) => {
  const fleet = await client();
  const { sub, received } = fakeWorker(fleet.connection, 'silent', () => undefined);
  t.teardown(() => sub.unsubscribe());
  const start = Date.now();
  const e = await t.throwsAsync(fleet.infer('silent', { x }, { timeoutMs: 300 }), {
    instanceOf: DeadlineExceededError,
  });
  const elapsed = Date.now() - start;
  t.is(e!.code, 'DEADLINE_EXCEEDED');
  t.regex(e!.message, /no reply within 300 ms/);
  t.true(elapsed >= 290, `waited ${elapsed} ms`);
  t.is(received.length, 1, 'the request did reach the worker');
  await t.throwsAsync(fleet.infer('silent', { x }, { timeoutMs: 0 }), { instanceOf: RangeError });
});

it('an aborted signal is CancelledError, before sending or while waiting', async (t) => {
  const fleet = await client();
  let release: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (release = resolve));
  const { sub, received } = fakeWorker(fleet.connection, 'slow', () => {
    release();
    return undefined;
  });
  t.teardown(() => sub.unsubscribe());

  const pre = new AbortController();
  pre.abort();
  await t.throwsAsync(fleet.infer('slow', { x }, { signal: pre.signal }), { instanceOf: CancelledError });

  const controller = new AbortController();
  const call = fleet.infer('slow', { x }, { signal: controller.signal, timeoutMs: 30_000 });
  await arrived;
  const start = Date.now();
  controller.abort(new Error('user pressed stop'));
  const e = await t.throwsAsync(call, { instanceOf: CancelledError });
  t.is(e!.code, 'CANCELLED');
  t.true(Date.now() - start < 1000);
  t.is(received.length, 1, 'the pre-aborted call sent nothing');
});

it('feeds that are not Tensors are a TypeError; a corrupt or malformed reply is BadMessageError', async (t) => {
  const fleet = await client();
  await t.throwsAsync(fleet.infer('m', { x: [1, 2, 3] as unknown as Tensor }), {
    instanceOf: TypeError,
    message: /feed 'x' for model 'm' must be a Tensor, got Array/,
  });
  await t.throwsAsync(fleet.infer('bad model', { x }), { instanceOf: TypeError });

  const corrupt = fakeWorker(fleet.connection, 'garbage', () => Uint8Array.from([0x08, 0x01, 0x12, 0x80]));
  const short = fakeWorker(fleet.connection, 'short', () => ({
    outputs: [{ ...tensorToWire('y', x), data: new Uint8Array(5) }],
  }));
  t.teardown(() => [corrupt, short].forEach((w) => w.sub.unsubscribe()));
  await t.throwsAsync(fleet.infer('garbage', { x }), {
    instanceOf: BadMessageError,
    message: /InferResponse/,
  });
  const e = await t.throwsAsync(fleet.infer('short', { x }), { instanceOf: BadMessageError });
  t.regex(e!.message, /output 'y' of model 'short': 5 bytes of data for float32\[2, 3\]/);
});
