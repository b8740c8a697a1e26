// The wire codecs: every message survives a round trip, and corrupt bytes or a foreign protocol version become
// BadMessageError (never a crash or a silently wrong message).
import test from 'ava';
import { Tensor } from '../../engine/tensor.js';
import {
  BadInputError,
  BadMessageError,
  blobRefCodec,
  DeadlineExceededError,
  errorFromWire,
  errorToWire,
  FleetError,
  inferRequestCodec,
  inferResponseCodec,
  InternalError,
  jobEventCodec,
  jobRequestCodec,
  jobResultCodec,
  modelRefCodec,
  Names,
  OverloadedError,
  tensorFromWire,
  tensorToWire,
  workerInfoCodec,
} from '../../protocol/index.js';
import { wireType as schemaType } from '../../protocol/schema.js';

const x = new Tensor('float32', Float32Array.from([1, -2.5, 3, 0.125, 1e-3, 7]), [2, 3]);
const ids = new Tensor('int64', [1n, 2n, -3n], [3]);
const words = new Tensor('string', ['a', 'héllo', ''], [3]);

test('tensors: every kind survives tensorToWire -> tensorFromWire with type, dims and values', (t) => {
  for (const tensor of [
    x,
    ids,
    words,
    new Tensor('bool', [true, false], [2]),
    new Tensor('float32', [], [0, 4]),
  ]) {
    const back = tensorFromWire(tensorToWire('v', tensor));
    t.is(back.type, tensor.type);
    t.deepEqual(back.dims, tensor.dims);
    t.deepEqual(Array.from(back.data as ArrayLike<unknown>), Array.from(tensor.data as ArrayLike<unknown>));
  }
});

test('tensors: a wrong byte count, a negative dim or an unknown dtype is BAD_INPUT naming the tensor', (t) => {
  const w = tensorToWire('x', x);
  const short = t.throws(() => tensorFromWire({ ...w, data: w.data.subarray(4) }), {
    instanceOf: BadInputError,
  });
  t.regex(short!.message, /tensor 'x'.*20 bytes.*expected 24/);
  t.is(t.throws(() => tensorFromWire({ ...w, dims: [-2, -3] }))!.constructor, BadInputError);
  const unknown = t.throws(() => tensorFromWire({ ...w, dtype: 999 }), { instanceOf: BadInputError });
  t.is(unknown!.code, 'BAD_INPUT');
});

test('InferRequest and InferResponse round-trip', (t) => {
  const request = {
    model: 'resnet',
    modelVersion: '2',
    inputs: [tensorToWire('x', x), tensorToWire('ids', ids)],
    outputs: ['probs'],
    deadlineUnixMs: 1_700_000_000_123,
    requestId: 'r1',
  };
  const back = inferRequestCodec.decode(inferRequestCodec.encode(request));
  t.is(back.model, 'resnet');
  t.is(back.modelVersion, '2');
  t.deepEqual(back.outputs, ['probs']);
  t.is(back.deadlineUnixMs, 1_700_000_000_123);
  t.is(back.requestId, 'r1');
  const bx = tensorFromWire(back.inputs[0]);
  t.deepEqual(Array.from(bx.data as Float32Array), Array.from(x.data as Float32Array));
  t.deepEqual(Array.from(tensorFromWire(back.inputs[1]).data as BigInt64Array), [1n, 2n, -3n]);

  const response = inferResponseCodec.decode(
    inferResponseCodec.encode({
      outputs: [tensorToWire('y', x)],
      workerId: 'w1',
      requestId: 'r1',
      queueMs: 0.5,
      runMs: 2.25,
      batchSize: 3,
    }),
  );
  t.like(response, {
    workerId: 'w1',
    requestId: 'r1',
    queueMs: 0.5,
    runMs: 2.25,
    batchSize: 3,
    error: undefined,
  });
  t.deepEqual(tensorFromWire(response.outputs[0]).dims, [2, 3]);
});

test('errors travel as code + message and come back as their classes', (t) => {
  const reply = inferResponseCodec.decode(
    inferResponseCodec.encode({
      outputs: [],
      error: errorToWire(new OverloadedError('queue full (64)', { model: 'm', workerId: 'w9' })),
    }),
  );
  const e = errorFromWire(reply.error!);
  t.true(e instanceof OverloadedError);
  t.true(e instanceof FleetError);
  t.is(e.code, 'OVERLOADED');
  t.is(e.name, 'OverloadedError');
  t.is(e.message, 'queue full (64)');
  t.is(e.model, 'm');
  t.is(e.workerId, 'w9');
  t.true(errorFromWire({ code: 'DEADLINE_EXCEEDED', message: 'late' }) instanceof DeadlineExceededError);
  // A code from a newer peer is not lost: it becomes INTERNAL.
  t.true(errorFromWire({ code: 'SOMETHING_NEW' as never, message: '?' }) instanceof InternalError);
});

test('JobRequest, JobResult, JobEvent, BlobRef, ModelRef and WorkerInfo round-trip', (t) => {
  const job = jobRequestCodec.decode(
    jobRequestCodec.encode({
      jobId: 'j1',
      model: 'm',
      inputs: [tensorToWire('w', words)],
      submittedUnixMs: 123,
      labels: { team: 'a' },
    }),
  );
  t.like(job, { jobId: 'j1', model: 'm', submittedUnixMs: 123, labels: { team: 'a' } });
  t.deepEqual(tensorFromWire(job.inputs[0]).data, ['a', 'héllo', '']);

  const result = jobResultCodec.decode(
    jobResultCodec.encode({
      jobId: 'j1',
      model: 'm',
      state: 'FAILED',
      outputs: [],
      error: { code: 'BAD_INPUT', message: 'wrong rank' },
      attempts: 3,
      finishedUnixMs: 456,
    }),
  );
  t.like(result, { jobId: 'j1', state: 'FAILED', attempts: 3, finishedUnixMs: 456 });
  t.true(errorFromWire(result.error!) instanceof BadInputError);

  t.like(
    jobEventCodec.decode(jobEventCodec.encode({ jobId: 'j1', state: 'RUNNING', attempt: 2, unixMs: 9 })),
    {
      jobId: 'j1',
      state: 'RUNNING',
      attempt: 2,
      unixMs: 9,
    },
  );
  const blob = { bucket: 'b', name: 'n', size: 5_000_000_000, sha256: 'ab' };
  t.deepEqual(blobRefCodec.decode(blobRefCodec.encode(blob)), blob);
  const ref = {
    name: 'm',
    version: '1',
    sha256: 'cd',
    size: 10,
    pushedUnixMs: 1_700_000_000_000,
    fileName: 'm.onnx',
    stages: 2,
    replicas: 3,
    maxBatch: 4,
    batchWindowMs: 0,
  };
  t.deepEqual(modelRefCodec.decode(modelRefCodec.encode(ref)), ref);
  const info = workerInfoCodec.decode(
    workerInfoCodec.encode({
      workerId: 'w',
      hostname: 'h',
      pid: 1,
      providers: ['cpu'],
      poolThreads: 4,
      intraOpThreads: 1,
      models: [],
      memoryTotalBytes: 1,
      rssBytes: 2,
      queueDepth: 3,
      inFlight: 4,
      startedUnixMs: 5,
      draining: true,
      maxQueue: 6,
      heartbeatUnixMs: 7,
      memoryBudgetBytes: 2 ** 30,
    }),
  );
  t.like(info, { workerId: 'w', providers: ['cpu'], poolThreads: 4, draining: true, maxQueue: 6 });
});

test('corrupt bytes are BadMessageError naming the message type', (t) => {
  const valid = {
    InferRequest: inferRequestCodec.encode({ model: 'm', inputs: [tensorToWire('x', x)], requestId: 'r' }),
    InferResponse: inferResponseCodec.encode({ outputs: [tensorToWire('y', x)], workerId: 'w' }),
    JobRequest: jobRequestCodec.encode({ jobId: 'j', model: 'm', inputs: [tensorToWire('x', x)] }),
    JobResult: jobResultCodec.encode({
      jobId: 'j',
      model: 'm',
      state: 'SUCCEEDED',
      outputs: [tensorToWire('y', x)],
    }),
  };
  for (const codec of [inferRequestCodec, inferResponseCodec, jobRequestCodec, jobResultCodec]) {
    const good = valid[codec.type as keyof typeof valid];
    t.notThrows(() => codec.decode(good));
    // Cut inside the tensor (its bytes field), as a Buffer (what fs and protobufjs hand out) and as a plain view.
    const cut = Buffer.from(good).subarray(0, good.byteLength - 9);
    const corrupt = [
      cut,
      new Uint8Array(cut),
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // a varint that never ends
      Uint8Array.from([0x08, 0x01, 0x12, 0x80]), // version 1, then a length prefix past the end
      Uint8Array.from([0x08, 0x01, 0x0f]), // version 1, then wire type 7 (invalid)
    ];
    for (const bytes of corrupt) {
      const e = t.throws(() => codec.decode(bytes), { instanceOf: BadMessageError });
      t.is(e!.code, 'BAD_MESSAGE');
      t.true(e!.message.includes(codec.type), e!.message);
    }
  }
});

test('a message cut inside a string field is BadMessageError, also when the bytes are a Buffer', (t) => {
  // protobufjs alone decodes this one as requestId 'request-01234' (its Buffer reader clamps strings).
  const good = inferRequestCodec.encode({ model: 'm', inputs: [], requestId: 'request-0123456789' });
  const cut = Buffer.from(good).subarray(0, good.byteLength - 5);
  t.throws(() => inferRequestCodec.decode(cut), {
    instanceOf: BadMessageError,
    message: /index out of range/,
  });
});

test('a message of another protocol version is BadMessageError', (t) => {
  const bytes = schemaType('InferRequest').encode({ protocolVersion: 2, model: 'm' }).finish();
  const e = t.throws(() => inferRequestCodec.decode(bytes), { instanceOf: BadMessageError });
  t.regex(e!.message, /protocol version 2/);
  // An empty body is version 0, not a valid empty request.
  t.throws(() => inferRequestCodec.decode(new Uint8Array(0)), { instanceOf: BadMessageError });
});

test('subject names: prefix, model and job id are validated', (t) => {
  const names = new Names('fleet');
  t.is(names.infer('resnet-18'), 'fleet.infer.resnet-18');
  t.is(names.jobs('m'), 'fleet.jobs.m');
  t.is(names.results('abc'), 'fleet.results.abc');
  t.is(names.jobsStream, 'FLEET_JOBS');
  t.is(names.serviceName, 'fleet-worker');
  t.throws(() => names.infer('a.b'), { instanceOf: TypeError });
  t.throws(() => names.infer('*'), { instanceOf: TypeError });
  t.throws(() => names.results('x y'), { instanceOf: TypeError });
  t.throws(() => new Names('Bad.Prefix'), { instanceOf: TypeError });
});
