// Durable jobs from the client's side: submission (deduplicated by job id), reading results that a worker
// stores (published here by hand exactly as the worker does), watching, timeouts, cancellation and events.
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  BadInputError,
  CancelledError,
  DeadlineExceededError,
  Tensor,
  type FleetClient,
  type JobEvent,
} from '../../client/index.js';
import { outgoing } from '../../client/large-messages.js';
import {
  jobEventCodec,
  jobRequestCodec,
  jobResultCodec,
  tensorFromWire,
  tensorToWire,
  type JobResult,
} from '../../protocol/index.js';
import { natsSuite } from './nats.js';

const { client, it } = natsSuite();
const x = new Tensor('float32', [1, 2, 3], [1, 3]);

/** Stores a job's result the way the worker does: results subject, msgID result-<id>, blob when too large. */
async function publishResult(
  fleet: FleetClient,
  result: Partial<JobResult> & { jobId: string },
): Promise<void> {
  const conn = fleet.connection;
  await conn.ensureJobStreams();
  const body = jobResultCodec.encode({ model: 'm', state: 'SUCCEEDED', outputs: [], ...result });
  const out = await outgoing(conn, body, 'job result', natsHeaders());
  await conn.js.publish(conn.names.results(result.jobId), out.data, {
    msgID: `result-${result.jobId}`,
    headers: out.headers,
  });
}

async function streamMessages(fleet: FleetClient, stream: string): Promise<number> {
  const jsm = await fleet.connection.manager();
  return (await jsm.streams.info(stream)).state.messages;
}

/** Resolves once the results stream has a consumer (the watcher is listening). */
async function consumerCreated(fleet: FleetClient): Promise<void> {
  const jsm = await fleet.connection.manager();
  for (;;) {
    const consumers = await jsm.consumers.list(fleet.connection.names.resultsStream).next();
    if (consumers.length) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('submitJob stores a JobRequest on the model subject and returns a fresh id', async (t) => {
  const fleet = await client();
  const before = Date.now();
  const id = await fleet.submitJob(
    'resnet',
    { x },
    { labels: { team: 'ml' }, outputs: ['probs'], version: '2' },
  );
  const other = await fleet.submitJob('resnet', { x });
  t.regex(id, /^[A-Za-z0-9]{22}$/, 'a NUID');
  t.not(id, other);
  const conn = fleet.connection;
  const jsm = await conn.manager();
  const stored = await jsm.streams.getMessage(conn.names.jobsStream, { seq: 1 });
  t.is(stored!.subject, conn.names.jobs('resnet'));
  const request = jobRequestCodec.decode(stored!.data);
  t.like(request, {
    jobId: id,
    model: 'resnet',
    modelVersion: '2',
    outputs: ['probs'],
    labels: { team: 'ml' },
  });
  t.true(request.submittedUnixMs! >= before);
  t.deepEqual(Array.from(tensorFromWire(request.inputs[0]).data as Float32Array), [1, 2, 3]);
});

it('submitting the same job id twice stores one message', async (t) => {
  const fleet = await client();
  const first = await fleet.submitJob('m', { x }, { jobId: 'order-42' });
  const second = await fleet.submitJob(
    'm',
    { x: new Tensor('float32', [9, 9, 9], [1, 3]) },
    { jobId: 'order-42' },
  );
  t.is(first, 'order-42');
  t.is(second, 'order-42');
  t.is(await streamMessages(fleet, fleet.connection.names.jobsStream), 1);
  await fleet.submitJob('m', { x }, { jobId: 'order-43' });
  t.is(await streamMessages(fleet, fleet.connection.names.jobsStream), 2, 'a different id is a new job');
  await t.throwsAsync(fleet.submitJob('m', { x }, { jobId: 'has space' }), { instanceOf: TypeError });
});

it('jobResult is undefined until the result is stored, then the outputs as Tensors', async (t) => {
  const fleet = await client();
  const id = await fleet.submitJob('m', { x });
  t.is(await fleet.jobResult(id), undefined);
  await publishResult(fleet, {
    jobId: id,
    outputs: [tensorToWire('y', new Tensor('float32', [2, 4, 6], [1, 3]))],
    workerId: 'w-2',
    attempts: 1,
    runMs: 3.5,
    finishedUnixMs: 1_700_000_000_000,
    labels: { a: 'b' },
  });
  const result = await fleet.jobResult(id);
  t.like(result, {
    jobId: id,
    model: 'm',
    state: 'SUCCEEDED',
    workerId: 'w-2',
    attempts: 1,
    runMs: 3.5,
    labels: { a: 'b' },
  });
  t.is(result!.error, undefined);
  t.true(result!.outputs.y instanceof Tensor);
  t.deepEqual(Array.from(result!.outputs.y.data as Float32Array), [2, 4, 6]);
  // Results can be read again.
  t.deepEqual(Array.from((await fleet.jobResult(id))!.outputs.y.data as Float32Array), [2, 4, 6]);
});

it('a failed job resolves with state FAILED and its typed error', async (t) => {
  const fleet = await client();
  await publishResult(fleet, {
    jobId: 'failed-1',
    state: 'FAILED',
    attempts: 5,
    error: { code: 'BAD_INPUT', message: "input 'x': expected rank 4, got rank 2" },
  });
  const result = await fleet.jobResult('failed-1');
  t.is(result!.state, 'FAILED');
  t.true(result!.error instanceof BadInputError);
  t.is(result!.error!.code, 'BAD_INPUT');
  t.is(result!.error!.model, 'm');
  t.is(result!.attempts, 5);
  t.deepEqual(result!.outputs, {});
  t.is((await fleet.watchJob('failed-1', { timeoutMs: 5000 })).error!.code, 'BAD_INPUT');
});

it('watchJob resolves when the result is stored, and at once when it already is', async (t) => {
  const fleet = await client();
  const id = await fleet.submitJob('m', { x });
  let settled = false;
  const watching = fleet.watchJob(id, { timeoutMs: 30_000 }).finally(() => (settled = true));
  await consumerCreated(fleet);
  t.false(settled, 'nothing to resolve with yet');
  await publishResult(fleet, { jobId: id, outputs: [tensorToWire('y', x)] });
  const result = await watching;
  t.is(result.jobId, id);
  t.deepEqual(Array.from(result.outputs.y.data as Float32Array), [1, 2, 3]);

  const again = await fleet.watchJob(id, { timeoutMs: 5000 });
  t.is(again.jobId, id);
});

it('watchJob honours timeoutMs and the abort signal, and leaves no consumer behind', async (t) => {
  const fleet = await client();
  const start = Date.now();
  const e = await t.throwsAsync(fleet.watchJob('never', { timeoutMs: 400 }), {
    instanceOf: DeadlineExceededError,
  });
  const elapsed = Date.now() - start;
  t.is(e!.code, 'DEADLINE_EXCEEDED');
  t.regex(e!.message, /job 'never' has no result after 400 ms/);
  t.true(elapsed >= 390 && elapsed < 10_000, `took ${elapsed} ms`);

  const controller = new AbortController();
  const watching = fleet.watchJob('never');
  const cancelled = fleet.watchJob('never', { signal: controller.signal });
  await consumerCreated(fleet);
  controller.abort();
  await t.throwsAsync(cancelled, { instanceOf: CancelledError });
  // The unbounded watch is still waiting; finish it so the test ends.
  await publishResult(fleet, { jobId: 'never' });
  t.is((await watching).state, 'SUCCEEDED');

  const jsm = await fleet.connection.manager();
  const left = await jsm.consumers.list(fleet.connection.names.resultsStream).next();
  t.deepEqual(
    left.map((c) => c.name),
    [],
    'every watcher deleted its consumer',
  );
});

it('watchJob passes the progress events the worker publishes to onEvent', async (t) => {
  const fleet = await client();
  const id = await fleet.submitJob('m', { x });
  const events: JobEvent[] = [];
  let sawRunning: () => void = () => {};
  const running = new Promise<void>((r) => (sawRunning = r));
  const watching = fleet.watchJob(id, {
    timeoutMs: 30_000,
    onEvent: (e) => {
      events.push(e);
      if (e.state === 'RUNNING') sawRunning();
    },
  });
  await consumerCreated(fleet);
  const subject = fleet.connection.names.jobEvents(id);
  fleet.connection.nc.publish(subject, Uint8Array.from([0xff, 0xff])); // corrupt: skipped
  fleet.connection.nc.publish(
    subject,
    jobEventCodec.encode({ jobId: id, state: 'RUNNING', workerId: 'w', attempt: 1 }),
  );
  await running;
  await publishResult(fleet, { jobId: id });
  await watching;
  t.is(events.length, 1);
  t.like(events[0], { jobId: id, state: 'RUNNING', workerId: 'w', attempt: 1 });
});
